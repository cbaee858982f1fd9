/**
 * The C fixtures under test/fixtures/ (`core/` exercises each CO-RE relocation kind, `tools/` are
 * libbpf-tools-style programs), compiled for x86 against the host's vmlinux.h and for arm against
 * the armhf kernel's. A fixture clang cannot build comes back as `{ built: false, reason }` so a
 * test can report it by name instead of dropping it. A fixture that says `requires: clang >= N`
 * in a comment is built with a clang that new (bpf-clang.ts); only when no installed clang is
 * that new is its failure expected, any other failure is a real one.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureArmhfBtf, ensureHostBtf, type KernelBtf } from '../../bundler/btf/index.ts';
import { BpfCompileError, compileBpf, inBatches } from './bpf-build.ts';
import { requiredClangMajor } from './bpf-clang.ts';
import { REPO_ROOT } from './bpf-cache.ts';

export type FixtureArch = 'x86' | 'arm';
export const FIXTURE_ARCHES: readonly FixtureArch[] = ['x86', 'arm'];
export const FIXTURE_GROUPS = ['core', 'tools'] as const;
export type FixtureGroup = (typeof FIXTURE_GROUPS)[number];

export interface FixtureSource {
  group: FixtureGroup;
  /** File name without `.bpf.c`, e.g. `execsnoop`. */
  name: string;
  path: string;
}

export type BuiltFixture = FixtureSource & { arch: FixtureArch } & (
  | { built: true; objectPath: string }
  /** `expected` when the fixture declares (`requires: clang >= N`) a newer clang than ours. */
  | { built: false; reason: string; expected: boolean }
);

export interface TargetKernels {
  host: KernelBtf;
  armhf: KernelBtf;
}

export function fixtureSources(group?: FixtureGroup): FixtureSource[] {
  const groups = group === undefined ? FIXTURE_GROUPS : [group];
  return groups.flatMap((g) => {
    const dir = join(REPO_ROOT, 'test', 'fixtures', g);
    return readdirSync(dir)
      .filter((f) => f.endsWith('.bpf.c'))
      .sort()
      .map((f) => ({ group: g, name: f.slice(0, -'.bpf.c'.length), path: join(dir, f) }));
  });
}

let kernels: Promise<TargetKernels> | undefined;

/** The host and armhf kernel BTFs and headers (made once per process; cached on disk). */
export function targetKernels(): Promise<TargetKernels> {
  kernels ??= Promise.all([ensureHostBtf(), ensureArmhfBtf()]).then(([host, armhf]) => ({ host, armhf }));
  return kernels;
}

export function headerDirFor(k: TargetKernels, arch: FixtureArch): string {
  return join((arch === 'x86' ? k.host : k.armhf).headerPath, '..');
}

export async function buildFixture(source: FixtureSource, arch: FixtureArch): Promise<BuiltFixture> {
  const k = await targetKernels();
  try {
    const object = await compileBpf({ source: source.path, arch, includeDirs: [headerDirFor(k, arch)] });
    return { ...source, arch, built: true, objectPath: object.path };
  } catch (err) {
    if (!(err instanceof BpfCompileError)) throw err;
    const required = requiredClangMajor(source.path);
    const expected = required !== undefined && err.clang.major < required;
    const reason = expected ? `needs clang >= ${required}, the newest here is clang ${err.clang.major}: ${err.reason}` : err.reason;
    return { ...source, arch, built: false, reason, expected };
  }
}

/** Every fixture of `group` (or all) for both arches, two compiles at a time. */
export function buildFixtures(group?: FixtureGroup): Promise<BuiltFixture[]> {
  const jobs = fixtureSources(group).flatMap((s) => FIXTURE_ARCHES.map((arch) => () => buildFixture(s, arch)));
  return inBatches(jobs);
}
