/**
 * What a module's settings change before it loads, decided without touching the kernel: which
 * hook variant runs (forced by name, else the first whose features the kernel has), which
 * programs autoload and which maps are created for them, and the bytes of each `const volatile`
 * constant set in the config. Pure.
 */
import { mapsUsedBy, setRodata, type BpfObject } from '../object/index.ts';
import type { ModuleManifest, ModuleVariant } from '../sample/decode/manifest.ts';
import { ModuleLoadError } from './module-load-error.ts';
import { encodeUtf8 } from '../bytes/utf8.ts';

export class ModuleSettingsError extends ModuleLoadError {}

/** The variant to run: `forced` by name, else the first whose requirements all hold. */
export function chooseVariant(manifest: ModuleManifest, supported: (feature: string) => boolean, forced?: string): ModuleVariant {
  if (forced !== undefined) {
    const variant = manifest.variants.find((v) => v.name === forced);
    if (!variant) throw new ModuleSettingsError(manifest.name, `no hook variant '${forced}'; it has ${manifest.variants.map((v) => v.name).join(', ')}`);
    return variant;
  }
  const missing: string[] = [];
  for (const variant of manifest.variants) {
    const lacking = variant.requires.filter((feature) => !supported(feature));
    if (lacking.length === 0) return variant;
    missing.push(`${variant.name} needs ${lacking.join(', ')}`);
  }
  throw new ModuleSettingsError(manifest.name, `this kernel runs none of its hook variants (${missing.join('; ')}); see 'mote-agent features'`);
}

/**
 * Loads exactly the variant's programs (every other program's autoload is turned off), and
 * leaves out the maps that only the other programs use: a perf buffer variant does not create
 * the ring buffer, which kernels before 5.8 would refuse.
 */
export function selectPrograms(object: BpfObject, manifest: ModuleManifest, variant: ModuleVariant): void {
  const names = new Set(object.programs.filter((p) => !p.isSubprogram).map((p) => p.name));
  const unknown = variant.programs.filter((name) => !names.has(name));
  if (unknown.length) throw new ModuleSettingsError(manifest.name, `variant '${variant.name}' names programs the object lacks: ${unknown.join(', ')}; it has ${[...names].join(', ')}`);
  for (const program of object.programs) if (!program.isSubprogram) program.autoload = variant.programs.includes(program.name);
  const entries = object.programs.filter((p) => !p.isSubprogram);
  const used = mapsUsedBy(object, entries.filter((p) => p.autoload));
  const usedByOthers = mapsUsedBy(object, entries.filter((p) => !p.autoload));
  for (const map of object.maps) map.autocreate = used.has(map.name) || !usedByOthers.has(map.name);
}

function encodeConstant(module: string, name: string, value: number | string, size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  if (typeof value === 'string' && !/^-?(0x[0-9a-f]+|\d+)$/i.test(value)) {
    const text = encodeUtf8(value);
    if (text.length >= size) throw new ModuleSettingsError(module, `constant '${name}' holds at most ${size - 1} bytes of text, '${value}' is longer`);
    bytes.set(text);
    return bytes;
  }
  let integer: bigint;
  try {
    integer = BigInt(typeof value === 'number' ? Math.trunc(value) : value);
  } catch {
    throw new ModuleSettingsError(module, `constant '${name}' needs an integer, not '${value}'`);
  }
  const limit = 1n << BigInt(size * 8);
  if (integer >= limit || integer < -(limit >> 1n)) throw new ModuleSettingsError(module, `${value} does not fit constant '${name}' (${size} bytes)`);
  for (let i = 0; i < size; i++) bytes[i] = Number((BigInt.asUintN(size * 8, integer) >> BigInt(8 * i)) & 0xffn);
  return bytes;
}

/** Writes each setting into the object's `.rodata` before load; only the manifest's constants may be set. */
export function applyConstants(object: BpfObject, manifest: ModuleManifest, constants: Record<string, number | string>): void {
  for (const [name, value] of Object.entries(constants)) {
    if (!manifest.constants.includes(name)) {
      throw new ModuleSettingsError(manifest.name, `'${name}' is not a setting; it has ${manifest.constants.join(', ') || 'none'}`);
    }
    const variable = object.globals.filter((g) => g.readOnly).flatMap((g) => g.variables).find((v) => v.name === name);
    if (!variable) throw new ModuleSettingsError(manifest.name, `the object has no 'const volatile' named '${name}'; rebuild the module`);
    setRodata(object.globals, name, encodeConstant(manifest.name, name, value, variable.size));
  }
}
