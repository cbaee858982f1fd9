/**
 * The C reference of `mote bench board`: bundler/bench/c/bpf-read-bench.c linked static for
 * armhf against Debian's armhf libbpf and what it needs (libelf, zlib, zstd), from
 * armhf-dev-packages.ts. The versions used are returned for the report.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { progress, runTool } from '../btf/run-tool.ts';
import { buildDir, repoRoot } from '../paths.ts';
import { ARMHF_CROSS_CC, ARMHF_CROSS_FLAGS, CROSS_REMEDY, armhfDevPackages, armhfLibraryDir } from './armhf-dev-packages.ts';

const PACKAGES = ['libbpf-dev', 'libelf-dev', 'zlib1g-dev', 'libzstd-dev'];
const LIBRARIES = ['libbpf.a', 'libelf.a', 'libz.a', 'libzstd.a'];
const SOURCE = join(repoRoot, 'bundler', 'bench', 'c', 'bpf-read-bench.c');

export interface ReferenceLoader {
  binary: string;
  /** `package version` of each library linked in. */
  versions: string[];
}

/** Builds build/bench/bpf-read-bench (armhf, static) when its source is newer than it. */
export async function buildReferenceLoader(): Promise<ReferenceLoader> {
  const packages = await armhfDevPackages('armhf-libbpf', PACKAGES);
  const binary = join(buildDir, 'bench', 'bpf-read-bench');
  mkdirSync(join(buildDir, 'bench'), { recursive: true });
  if (!existsSync(binary) || statSync(binary).mtimeMs < statSync(SOURCE).mtimeMs) {
    progress('building the C reference loader (armhf, static, Debian libbpf)');
    await runTool({
      step: 'build bpf-read-bench', command: ARMHF_CROSS_CC,
      args: ['-O2', ...ARMHF_CROSS_FLAGS, '-I', join(packages.root, 'usr', 'include'), '-o', `${binary}.tmp`, SOURCE, ...LIBRARIES.map((l) => join(armhfLibraryDir(packages), l)), '-s'],
      remedy: CROSS_REMEDY,
    });
    await runTool({ step: 'install bpf-read-bench', command: 'mv', args: [`${binary}.tmp`, binary], remedy: 'Re-run.' });
  }
  return { binary, versions: packages.versions };
}
