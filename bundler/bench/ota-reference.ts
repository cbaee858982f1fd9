/**
 * The C reference of `mote bench ota`: bundler/bench/c/ed25519-verify-bench.c, static for
 * armhf against Debian's libsodium (armhf-dev-packages.ts), and what linking libsodium's
 * verification costs a static armhf binary: the stripped size of the smallest program that
 * verifies, less the same program without verification.
 */
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runTool } from '../btf/run-tool.ts';
import { buildDir, repoRoot } from '../paths.ts';
import { ARMHF_CROSS_CC, ARMHF_CROSS_FLAGS, CROSS_REMEDY, armhfDevPackages, armhfLibraryDir } from './armhf-dev-packages.ts';

const SOURCE = join(repoRoot, 'bundler', 'bench', 'c', 'ed25519-verify-bench.c');

export interface Ed25519Reference {
  binary: string;
  /** Bytes that libsodium's verification adds to a static armhf program (-Os, --gc-sections, stripped). */
  linkedBytes: number;
  versions: string[];
}

export async function buildEd25519Reference(): Promise<Ed25519Reference> {
  const packages = await armhfDevPackages('armhf-libsodium', ['libsodium-dev']);
  const dir = join(buildDir, 'bench');
  mkdirSync(dir, { recursive: true });
  const build = async (output: string, flags: string[]) => {
    await runTool({
      step: `build ${output}`, command: ARMHF_CROSS_CC,
      args: [...flags, ...ARMHF_CROSS_FLAGS, '-ffunction-sections', '-fdata-sections', '-Wl,--gc-sections', '-s', '-I', join(packages.root, 'usr', 'include'), '-o', join(dir, output), SOURCE, join(armhfLibraryDir(packages), 'libsodium.a')],
      remedy: CROSS_REMEDY,
    });
    return join(dir, output);
  };
  const binary = await build('ed25519-verify-bench', ['-O2']);
  const probe = await build('ed25519-link-probe', ['-Os', '-mthumb', '-DLINK_SIZE_PROBE']);
  const baseline = await build('ed25519-link-baseline', ['-Os', '-mthumb', '-DLINK_SIZE_BASELINE']);
  return { binary, linkedBytes: statSync(probe).size - statSync(baseline).size, versions: packages.versions };
}
