/**
 * The C reference of `mote bench board`: native-arm/bench/bpf-read-bench.c linked static for
 * armhf with Debian's cross compiler and glibc (libc6-dev-armhf-cross) against Debian's armhf
 * libbpf and what it needs (libelf, zlib, zstd). Those static libraries come from the armhf
 * -dev packages of the machine's Debian release, fetched with `apt-get download` and unpacked
 * into the cache rather than installed: installing them as packages would drag the host's own
 * -dev packages to the armhf archive's versions. The versions used are returned for the report.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { moteCacheDir, writeFileAtomically } from '../btf/cache.ts';
import { progress, runTool } from '../btf/run-tool.ts';
import { buildDir, repoRoot } from '../paths.ts';

/** The armhf static libraries the loader links, by Debian package. */
const PACKAGES = ['libbpf-dev', 'libelf-dev', 'zlib1g-dev', 'libzstd-dev'];
const LIBRARIES = ['libbpf.a', 'libelf.a', 'libz.a', 'libzstd.a'];
const SOURCE = join(repoRoot, 'native-arm', 'bench', 'bpf-read-bench.c');
const CROSS_CC = 'arm-linux-gnueabihf-gcc';

export interface ReferenceLoader {
  binary: string;
  /** `package version` of each library linked in. */
  versions: string[];
}

/** The armhf -dev packages unpacked once into the cache; their root and versions. */
async function armhfStaticLibraries(): Promise<{ root: string; versions: string[] }> {
  const dir = moteCacheDir('armhf-libbpf');
  const root = join(dir, 'root');
  const stamp = join(dir, 'versions');
  if (!existsSync(stamp)) {
    const download = join(dir, 'download');
    rmSync(download, { recursive: true, force: true });
    mkdirSync(download, { recursive: true });
    progress(`downloading ${PACKAGES.map((p) => `${p}:armhf`).join(', ')}`);
    await runTool({
      step: 'download armhf libbpf', command: 'apt-get', args: ['download', ...PACKAGES.map((p) => `${p}:armhf`)], cwd: download,
      remedy: "Run 'dpkg --add-architecture armhf && apt-get update', then re-run.",
    });
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root, { recursive: true });
    const versions: string[] = [];
    for (const deb of readdirSync(download).filter((f) => f.endsWith('.deb')).sort()) {
      await runTool({ step: 'unpack armhf libbpf', command: 'dpkg-deb', args: ['-x', join(download, deb), root], remedy: 'Remove the cache folder and re-run.' });
      const [name, version] = deb.replace(/\.deb$/, '').split('_');
      versions.push(`${name} ${decodeURIComponent(version!)}`);
    }
    rmSync(download, { recursive: true, force: true });
    writeFileAtomically(stamp, `${versions.join('\n')}\n`);
  }
  return { root, versions: readFileSync(stamp, 'utf8').trim().split('\n') };
}

/** Builds build/bench/bpf-read-bench (armhf, static) when its source is newer than it. */
export async function buildReferenceLoader(): Promise<ReferenceLoader> {
  const { root, versions } = await armhfStaticLibraries();
  const libDir = join(root, 'usr', 'lib', 'arm-linux-gnueabihf');
  const binary = join(buildDir, 'bench', 'bpf-read-bench');
  mkdirSync(join(buildDir, 'bench'), { recursive: true });
  if (!existsSync(binary) || statSync(binary).mtimeMs < statSync(SOURCE).mtimeMs) {
    progress('building the C reference loader (armhf, static, Debian libbpf)');
    await runTool({
      step: 'build bpf-read-bench', command: CROSS_CC,
      args: ['-O2', '-march=armv7-a', '-mfpu=vfpv3-d16', '-mfloat-abi=hard', '-static', '-Wall', '-Wno-unused-parameter', '-I', join(root, 'usr', 'include'), '-o', `${binary}.tmp`, SOURCE, ...LIBRARIES.map((l) => join(libDir, l)), '-s'],
      remedy: "Install Debian's armhf cross toolchain and glibc ('apt-get install gcc-arm-linux-gnueabihf libc6-dev-armhf-cross'), then re-run.",
    });
    await runTool({ step: 'install bpf-read-bench', command: 'mv', args: [`${binary}.tmp`, binary], remedy: 'Re-run.' });
  }
  return { binary, versions };
}
