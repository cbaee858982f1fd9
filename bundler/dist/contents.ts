/**
 * What a release source tarball holds, as a list of (path in the tarball, file on disk): the C
 * sources of the host program and the `mote:sys` binding, the esbuild bundle and asset table
 * per target architecture, the built-in modules' precompiled CO-RE objects, minimized BTFs and
 * manifests. Yocto's mote-agent recipe builds from exactly this, with no clang and no Node.
 */
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { AgentTarget } from '../build/agent-assets.ts';
import type { BuiltModule } from '../build/modules.ts';
import { buildDir, repoRoot } from '../paths.ts';

export interface DistEntry {
  /** Path inside the tarball, below its top folder `mote-<version>/`. */
  path: string;
  source: string;
}

/** The architecture name each agent target carries in the tarball (ModuleArch). */
export const DIST_ARCH: Record<AgentTarget, string> = { host: 'x86_64', armhf: 'armhf' };

const NATIVE_DIR = join(repoRoot, 'native-arm');

/** The host program and binding: every .c and .h of native-arm/ but Mote's own mbedTLS configuration,
 * since a distribution links the mbedTLS its layers build, with that build's configuration. */
function nativeSources(): DistEntry[] {
  return readdirSync(NATIVE_DIR)
    .filter((name) => /\.[ch]$/.test(name) && name !== 'mbedtls_config.h')
    .sort()
    .map((name) => ({ path: `native/${name}`, source: join(NATIVE_DIR, name) }));
}

function agentBundles(): DistEntry[] {
  return (Object.keys(DIST_ARCH) as AgentTarget[]).flatMap((target) =>
    ['agent.js', 'agent_assets.c'].map((name) => ({ path: `agent/${DIST_ARCH[target]}/${name}`, source: join(buildDir, target, name) })),
  );
}

function moduleFiles(modules: BuiltModule[]): DistEntry[] {
  return modules.flatMap((module) => [
    { path: `modules/${module.name}/manifest.json`, source: module.manifestPath },
    ...module.objects.map((object) => ({ path: `modules/${module.name}/${basename(object.path)}`, source: object.path })),
    ...module.btfs.map((btf) => ({ path: `modules/${module.name}/${basename(btf.path)}`, source: btf.path })),
  ]);
}

export function distEntries(modules: BuiltModule[]): DistEntry[] {
  return [...nativeSources(), ...agentBundles(), ...moduleFiles(modules)];
}
