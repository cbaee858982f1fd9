/**
 * The module package (package.cddl): a ModuleSource plus its minimum agent version and an
 * Ed25519 signature, as one canonical CBOR map. `encodePackage` writes it; `parsePackage`
 * reads it back, accepting only the canonical encoding and naming the first field that does
 * not fit. Neither checks the signature (signature.ts) nor anything about the device (verify.ts).
 */
import type { ModuleArch, ModuleSource } from '../lifecycle/module-types.ts';
import { decodeCanonical, encodeCanonical } from './canonical.ts';
import { KEY_ID_BYTES, SIGNATURE_BYTES } from './ed25519.ts';
import { OtaRejection } from './rejection.ts';
import { isVersion } from './version.ts';

export const PACKAGE_FORMAT = 1;
export const MODULE_ARCHES: readonly ModuleArch[] = ['x86_64', 'armhf'];
const MODULE_NAME = /^[A-Za-z0-9_-]{1,64}$/;

const enum Label {
  Format = 0,
  Name = 1,
  Version = 2,
  MinAgentVersion = 3,
  Objects = 4,
  Btfs = 5,
  Manifest = 6,
  Signature = 7,
}

export interface ModulePackage extends ModuleSource {
  minAgentVersion: string;
}

export interface PackageSignature {
  keyId: Uint8Array;
  signature: Uint8Array;
}

export interface ParsedPackage {
  module: ModulePackage;
  signature: PackageSignature;
  /** The canonical encoding of everything but the signature: what the signature covers. */
  body: Uint8Array;
}

export function isModuleName(name: string): boolean {
  return MODULE_NAME.test(name);
}

function bodyMap(module: ModulePackage): Map<number, unknown> {
  const objects = new Map<string, Uint8Array>();
  for (const arch of MODULE_ARCHES) {
    const object = module.objects[arch];
    if (object) objects.set(arch, object);
  }
  return new Map<number, unknown>([
    [Label.Format, PACKAGE_FORMAT],
    [Label.Name, module.name],
    [Label.Version, module.version],
    [Label.MinAgentVersion, module.minAgentVersion],
    [Label.Objects, objects],
    [Label.Btfs, new Map(Object.entries(module.btfs))],
    [Label.Manifest, module.manifest],
  ]);
}

/** The bytes a signature covers: the canonical encoding of the package without its signature. */
export function encodePackageBody(module: ModulePackage): Uint8Array {
  return encodeCanonical(bodyMap(module));
}

export function encodePackage(module: ModulePackage, signature: PackageSignature): Uint8Array {
  const map = bodyMap(module);
  map.set(Label.Signature, [signature.keyId, signature.signature]);
  return encodeCanonical(map);
}

class PackageFields {
  name = '';

  constructor(private readonly map: Map<unknown, unknown>) {}

  fail(what: string): never {
    throw new OtaRejection('malformed', `malformed package${this.name ? ` '${this.name}'` : ''}: ${what}; build it again with mote pack`, this.name);
  }

  raw(label: Label, name: string): unknown {
    return this.map.has(label) ? this.map.get(label) : this.fail(`field ${label} (${name}) is missing`);
  }

  text(label: Label, name: string): string {
    const value = this.raw(label, name);
    return typeof value === 'string' ? value : this.fail(`field ${label} (${name}) must be a text`);
  }

  version(label: Label, name: string): string {
    const value = this.text(label, name);
    return isVersion(value) ? value : this.fail(`field ${label} (${name}) '${value}' is not a version (1 to 3 dot-separated numbers)`);
  }

  bytesByText(label: Label, name: string): Map<string, Uint8Array> {
    const value = this.raw(label, name);
    if (!(value instanceof Map)) return this.fail(`field ${label} (${name}) must be a map`);
    const copies = new Map<string, Uint8Array>();
    for (const [key, item] of value) {
      if (typeof key !== 'string' || key.length === 0 || key.length > 64) this.fail(`field ${label} (${name}) keys must be texts of 1 to 64 characters`);
      if (!(item instanceof Uint8Array)) this.fail(`field ${label} (${name}) '${key}' must be a byte string`);
      // A copy in a buffer of its own: the decoder's views start at any offset into the package,
      // and the loader maps ELF and BTF sections with typed arrays that need their alignment.
      copies.set(key, new Uint8Array(item));
    }
    return copies;
  }

  signature(): PackageSignature {
    const value = this.raw(Label.Signature, 'signature');
    if (!Array.isArray(value) || value.length !== 2) return this.fail('field 7 (signature) must be [key id, signature]');
    const [keyId, signature] = value as unknown[];
    if (!(keyId instanceof Uint8Array) || keyId.length !== KEY_ID_BYTES) return this.fail(`field 7 (signature) key id must be ${KEY_ID_BYTES} bytes`);
    if (!(signature instanceof Uint8Array) || signature.length !== SIGNATURE_BYTES) return this.fail(`field 7 (signature) must hold a ${SIGNATURE_BYTES}-byte Ed25519 signature`);
    return { keyId, signature };
  }
}

function decodeMap(bytes: Uint8Array): Map<unknown, unknown> {
  let value: unknown;
  try {
    value = decodeCanonical(bytes);
  } catch (error) {
    throw new OtaRejection('malformed', `malformed package: ${(error as Error).message}`);
  }
  if (!(value instanceof Map)) throw new OtaRejection('malformed', 'malformed package: not a CBOR map; a package is the map mote pack writes');
  return value;
}

/** Reads a package; throws OtaRejection('malformed') naming what does not fit the schema. */
export function parsePackage(bytes: Uint8Array): ParsedPackage {
  const map = decodeMap(bytes);
  const fields = new PackageFields(map);
  const name = fields.text(Label.Name, 'module name');
  if (!isModuleName(name)) fields.fail(`field 1 (module name) '${name}' must be 1 to 64 letters, digits, '_' or '-'`);
  fields.name = name;
  if (fields.raw(Label.Format, 'format') !== PACKAGE_FORMAT) fields.fail(`field 0 (format) must be ${PACKAGE_FORMAT}; this agent reads format ${PACKAGE_FORMAT} only, update it`);
  for (const label of map.keys()) {
    if (typeof label !== 'number' || label < Label.Format || label > Label.Signature) fields.fail(`unknown field ${String(label)}`);
  }
  const version = fields.version(Label.Version, 'version');
  const minAgentVersion = fields.version(Label.MinAgentVersion, 'minimum agent version');
  const objects: ModulePackage['objects'] = {};
  for (const [arch, object] of fields.bytesByText(Label.Objects, 'objects')) {
    if ((MODULE_ARCHES as readonly string[]).includes(arch)) objects[arch as ModuleArch] = object;
  }
  const btfs = Object.fromEntries(fields.bytesByText(Label.Btfs, 'BTFs'));
  const module: ModulePackage = { name, version, minAgentVersion, objects, btfs, manifest: fields.text(Label.Manifest, 'manifest') };
  const signature = fields.signature();
  map.delete(Label.Signature);
  return { module, signature, body: encodeCanonical(map) };
}
