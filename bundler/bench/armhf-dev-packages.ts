/**
 * Debian's armhf -dev packages for the C references of the benchmarks (static libraries and
 * headers), from the machine's Debian release: fetched with `apt-get download` and unpacked into
 * the cache rather than installed, since installing them as packages would drag the host's own
 * -dev packages to the armhf archive's versions. Linked with Debian's armhf cross compiler and
 * glibc (gcc-arm-linux-gnueabihf, libc6-dev-armhf-cross).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { moteCacheDir, writeFileAtomically } from '../btf/cache.ts';
import { progress, runTool } from '../btf/run-tool.ts';

export const ARMHF_CROSS_CC = 'arm-linux-gnueabihf-gcc';
export const ARMHF_CROSS_FLAGS = ['-march=armv7-a', '-mfpu=vfpv3-d16', '-mfloat-abi=hard', '-static', '-Wall', '-Wno-unused-parameter'];
export const CROSS_REMEDY = "Install Debian's armhf cross toolchain and glibc ('apt-get install gcc-arm-linux-gnueabihf libc6-dev-armhf-cross'), then re-run.";

export interface ArmhfDevPackages {
  /** Where they are unpacked: headers in usr/include, libraries in usr/lib/arm-linux-gnueabihf. */
  root: string;
  /** `package version` of each. */
  versions: string[];
}

/** The packages unpacked once into the cache folder `name`. */
export async function armhfDevPackages(name: string, packages: string[]): Promise<ArmhfDevPackages> {
  const dir = moteCacheDir(name);
  const root = join(dir, 'root');
  const stamp = join(dir, 'versions');
  if (!existsSync(stamp)) {
    const download = join(dir, 'download');
    rmSync(download, { recursive: true, force: true });
    mkdirSync(download, { recursive: true });
    progress(`downloading ${packages.map((p) => `${p}:armhf`).join(', ')}`);
    await runTool({
      step: `download ${packages.join(', ')} for armhf`, command: 'apt-get', args: ['download', ...packages.map((p) => `${p}:armhf`)], cwd: download,
      remedy: "Run 'dpkg --add-architecture armhf && apt-get update', then re-run.",
    });
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root, { recursive: true });
    const versions: string[] = [];
    for (const deb of readdirSync(download).filter((f) => f.endsWith('.deb')).sort()) {
      await runTool({ step: `unpack ${deb}`, command: 'dpkg-deb', args: ['-x', join(download, deb), root], remedy: `Remove ${dir} and re-run.` });
      const [packageName, version] = deb.replace(/\.deb$/, '').split('_');
      versions.push(`${packageName} ${decodeURIComponent(version!)}`);
    }
    rmSync(download, { recursive: true, force: true });
    writeFileAtomically(stamp, `${versions.join('\n')}\n`);
  }
  return { root, versions: readFileSync(stamp, 'utf8').trim().split('\n') };
}

export function armhfLibraryDir(packages: ArmhfDevPackages): string {
  return join(packages.root, 'usr', 'lib', 'arm-linux-gnueabihf');
}
