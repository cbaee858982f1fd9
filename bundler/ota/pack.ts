/**
 * Making a module package on the build host: compile the module folder for both architectures
 * (bundler/build/modules.ts), take its manifest with the package's version written into it,
 * and sign the canonical encoding with the given secret key.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MoteError } from '../../agent/src/errors.ts';
import { isModuleName, type ModulePackage } from '../../agent/src/ota/package.ts';
import { signPackage } from '../../agent/src/ota/signature.ts';
import { isVersion } from '../../agent/src/ota/version.ts';
import { buildModuleAt } from '../build/modules.ts';
import { buildDir } from '../paths.ts';

export class PackError extends MoteError {}

/** Where objects built for packages are cached, apart from the built-in modules' cache. */
const PACKAGE_BUILD_DIR = join(buildDir, 'package-modules');

export interface PackOptions {
  moduleDir: string;
  secretKey: Uint8Array;
  /** Default: the manifest's `version`. */
  version?: string;
  minAgentVersion: string;
  log?: (line: string) => void;
}

/** The module's manifest text with `version` set, and its name. */
function manifestWithVersion(moduleDir: string, version: string | undefined): { name: string; version: string; text: string } {
  const path = join(moduleDir, 'manifest.json');
  let manifest: Record<string, unknown>;
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new PackError(`${path}: ${(error as Error).message}; a module folder holds manifest.json and <name>.bpf.c`);
  }
  const name = manifest.name;
  if (typeof name !== 'string' || !isModuleName(name)) throw new PackError(`${path}: 'name' must be 1 to 64 letters, digits, '_' or '-'`);
  const chosen = version ?? String(manifest.version ?? '');
  if (!isVersion(chosen)) throw new PackError(`version '${chosen}' is not a version: give --version with 1 to 3 dot-separated numbers (such as 7 or 1.4.0)`);
  return { name, version: chosen, text: `${JSON.stringify({ ...manifest, version: chosen }, null, 2)}\n` };
}

export async function packModule(options: PackOptions): Promise<{ module: ModulePackage; bytes: Uint8Array }> {
  const moduleDir = resolve(options.moduleDir);
  const manifest = manifestWithVersion(moduleDir, options.version);
  const built = await buildModuleAt(moduleDir, PACKAGE_BUILD_DIR, options.log);
  if (built.name !== manifest.name) throw new PackError(`${moduleDir}: the folder is named '${built.name}' but the manifest says '${manifest.name}'; name them alike`);
  const module: ModulePackage = {
    name: manifest.name,
    version: manifest.version,
    minAgentVersion: options.minAgentVersion,
    objects: Object.fromEntries(built.objects.map((o) => [o.arch, new Uint8Array(readFileSync(o.path))])),
    btfs: Object.fromEntries(built.btfs.map((b) => [b.release, new Uint8Array(readFileSync(b.path))])),
    manifest: manifest.text,
  };
  return { module, bytes: signPackage(module, options.secretKey) };
}
