/**
 * Real module packages for the end-to-end OTA tests: syscount as built by `mote pack` (from a
 * copy of agent/modules/syscount), the same program as a module no agent has built in, a syscount whose
 * syscall_enter reads through a scalar (the verifier refuses it), and any version of either
 * signed on demand without compiling again.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModulePackage } from '../../agent/src/ota/package.ts';
import { signPackage } from '../../agent/src/ota/signature.ts';
import { packModule } from '../../bundler/ota/pack.ts';
import { repoRoot } from '../../bundler/paths.ts';
import type { TestKey } from './packages.ts';

/** A statement that makes the verifier refuse syscall_enter: a load through a random number. */
const SCALAR_LOAD = '\tif (bpf_get_prandom_u32() == 7)\n\t\treturn *(volatile int *)(long)bpf_get_prandom_u32();\n';

/** A copy of agent/modules/syscount as module `name`, its C changed by `edit`. */
function syscountCopy(variant: string, edit: (source: string) => string, name = 'syscount'): string {
  const dir = join(mkdtempSync(join(tmpdir(), `mote-ota-${variant}-`)), name);
  cpSync(join(repoRoot, 'agent', 'modules', 'syscount'), dir, { recursive: true });
  writeFileSync(join(dir, `${name}.bpf.c`), edit(readFileSync(join(dir, 'syscount.bpf.c'), 'utf8')));
  if (name !== 'syscount') rmSync(join(dir, 'syscount.bpf.c'));
  const manifest = join(dir, 'manifest.json');
  writeFileSync(manifest, JSON.stringify({ ...JSON.parse(readFileSync(manifest, 'utf8')), name }, null, 2));
  return dir;
}

export interface SyscountPackages {
  /** syscount as it is. */
  good: ModulePackage;
  /** syscount whose syscall_enter the verifier refuses. */
  refused: ModulePackage;
  /** syscount's program as 'sysenter', a module no agent has built in. */
  newModule: ModulePackage;
}

export async function buildSyscountPackages(key: TestKey): Promise<SyscountPackages> {
  const pack = (moduleDir: string) => packModule({ moduleDir, secretKey: key.secret, version: '2', minAgentVersion: '0.1.0', log: () => {} });
  const good = await pack(syscountCopy('good', (source) => source));
  const refused = await pack(
    syscountCopy('refused', (source) => source.replace('\tif (target_tgid && tgid != target_tgid)\n\t\treturn 0;\n\tstats = stats_for', `${SCALAR_LOAD}\tif (target_tgid && tgid != target_tgid)\n\t\treturn 0;\n\tstats = stats_for`)),
  );
  const newModule = await pack(syscountCopy('new', (source) => source, 'sysenter'));
  return { good: good.module, refused: refused.module, newModule: newModule.module };
}

/** `module` as version `version` (its manifest says so too), signed with `key`. */
export function signedVersion(module: ModulePackage, version: string, key: TestKey): Uint8Array {
  const manifest = `${JSON.stringify({ ...JSON.parse(module.manifest), version }, null, 2)}\n`;
  return signPackage({ ...module, version, manifest }, key.secret);
}
