/**
 * The BTF of a Debian 32-bit ARM kernel, which ships without CONFIG_DEBUG_INFO_BTF: by default
 * armhf's armmp-lpae flavour (the `qemu-armv7` board's, whose BTF the agent embeds), or another
 * flavour and architecture (armhf `armmp` for non-LPAE Cortex-A8/A9 parts, armel `rpi` for
 * ARMv6), for a Debian suite (bookworm by default, through the system's apt; other suites
 * through a project-local apt configuration, see debian-suite.ts). We download the `-dbg`
 * package, extract only its vmlinux, encode BTF
 * from the DWARF with pahole, and dump a `vmlinux.h` with bpftool. Everything is cached under
 * `<cache>/<arch>-btf/<release>_<package version>_<recipe>/` (release and version name one
 * package in the whole archive, whatever the suite), where the recipe hashes the pahole
 * version and flags; each step is skipped when its output exists. pahole runs single-threaded:
 * its parallel mode (-j) orders types differently from run to run, and the BTF must be the same
 * on every build machine.
 * The ~620 MB .deb and the ~300 MB vmlinux are deleted once the BTF exists: they can always be
 * downloaded again, and the BTF is all later steps need.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { allExist, moteCacheDir, produceAtomically, writeFileAtomically } from './cache.ts';
import { suiteApt, DEFAULT_SUITE, type SuiteApt } from './debian-suite.ts';
import { withDownloadProgress } from './download-progress.ts';
import { BtfSourcingError } from './errors.ts';
import { dumpVmlinuxHeader } from './header.ts';
import type { KernelBtf } from './host.ts';
import { progress, runTool } from './run-tool.ts';

/** A Debian kernel flavour: `linux-image-<flavour>` of one architecture. */
export interface DebianKernelFlavour {
  flavour: string;
  arch: 'armhf' | 'armel';
}

/** The kernel the agent embeds a BTF for, in the default suite (see bundler/build/modules.ts). */
export const DEFAULT_FLAVOUR: DebianKernelFlavour = { flavour: 'armmp-lpae', arch: 'armhf' };

const PAHOLE_REMEDY = "Install pahole ('apt-get install dwarves', v1.22 or newer).";
const aptRemedy = (arch: string) => `Run 'dpkg --add-architecture ${arch} && apt-get update' so apt knows the ${arch} packages, then re-run.`;

export interface ArmhfKernelBtf extends KernelBtf {
  /** The Debian package the BTF came from, and its version. */
  packageName: string;
  packageVersion: string;
  suite: string;
}

export interface ArmhfKernelPackage {
  name: string;
  version: string;
  release: string;
  /** The size of the -dbg package's .deb, from the package index. */
  debugPackageBytes: number;
  /** The apt that serves this suite's packages. */
  apt: SuiteApt;
  arch: DebianKernelFlavour['arch'];
}

/** Resolves the suite's metapackage to its current versioned package, e.g. 6.1.0-50-armmp-lpae. */
export async function resolveArmhfKernelPackage(suite: string = DEFAULT_SUITE, kernel: DebianKernelFlavour = DEFAULT_FLAVOUR): Promise<ArmhfKernelPackage> {
  const { arch } = kernel;
  const apt = await suiteApt(suite, arch);
  const metapackage = `linux-image-${kernel.flavour}-dbg:${arch}`;
  const step = `resolve the ${suite} ${arch} ${kernel.flavour} kernel version`;
  const remedy = aptRemedy(arch);
  const depends = await runTool({ step, command: 'apt-cache', args: [...apt.options, 'depends', metapackage], remedy });
  const match = new RegExp(`Depends:\\s*(linux-image-(\\S+)-dbg)(?::${arch})?`).exec(depends);
  if (!match) throw new BtfSourcingError(step, `'${metapackage}' depends on no linux-image-*-dbg package`, remedy);
  const [, name, release] = match as unknown as [string, string, string];
  const show = await runTool({ step, command: 'apt-cache', args: [...apt.options, 'show', '--no-all-versions', `${name}:${arch}`], remedy });
  const version = /^Version:\s*(\S+)/m.exec(show)?.[1];
  if (!version) throw new BtfSourcingError(step, `apt-cache shows no version for ${name}:${arch}`, remedy);
  return { name, version, release, debugPackageBytes: Number(/^Size:\s*(\d+)/m.exec(show)?.[1] ?? 0), apt, arch };
}

const PAHOLE_FLAGS = ['--btf_gen_floats'];

/** A short hash of the pahole version and flags, so a new encoder or new flags re-encode. */
async function encodingRecipe(): Promise<string> {
  const version = await runTool({ step: 'encode BTF', command: 'pahole', args: ['--version'], remedy: PAHOLE_REMEDY });
  return createHash('sha256').update(`${version.trim()} ${PAHOLE_FLAGS.join(' ')}`).digest('hex').slice(0, 8);
}

export async function ensureArmhfBtf(suite: string = DEFAULT_SUITE, kernel: DebianKernelFlavour = DEFAULT_FLAVOUR): Promise<ArmhfKernelBtf> {
  const pkg = await resolveArmhfKernelPackage(suite, kernel);
  const dir = moteCacheDir(`${pkg.arch}-btf`, `${pkg.release}_${pkg.version}_${await encodingRecipe()}`);
  const btfPath = join(dir, 'vmlinux.btf');
  const headerPath = join(dir, 'vmlinux.h');
  const result = { release: pkg.release, btfPath, headerPath, packageName: pkg.name, packageVersion: pkg.version, suite };
  if (allExist(btfPath, headerPath)) return result;

  if (!allExist(btfPath)) {
    const vmlinuxPath = join(dir, `vmlinux-${pkg.release}`);
    if (!allExist(vmlinuxPath)) await extractVmlinux(pkg, dir, vmlinuxPath);
    progress('encoding BTF from DWARF with pahole (about 10 s)');
    await produceAtomically(btfPath, (tmp) =>
      runTool({
        step: 'encode BTF',
        command: 'pahole',
        args: [...PAHOLE_FLAGS, `--btf_encode_detached=${tmp}`, vmlinuxPath],
        remedy: `${PAHOLE_REMEDY} If the vmlinux is corrupt, delete it from the cache directory and re-run.`,
      }).then(() => undefined),
    );
    rmSync(vmlinuxPath, { force: true });
    rmSync(join(dir, 'download'), { recursive: true, force: true });
    progress(`removed the .deb and vmlinux; kept ${btfPath} (${statSync(btfPath).size} bytes)`);
  }
  progress(`dumping ${pkg.arch} vmlinux.h with bpftool`);
  await dumpVmlinuxHeader(btfPath, headerPath, `${pkg.arch} vmlinux.h`);
  writeFileAtomically(join(dir, 'source.json'), JSON.stringify({ package: pkg.name, version: pkg.version, release: pkg.release, suite }, null, 2) + '\n');
  return result;
}

export async function extractVmlinux(pkg: ArmhfKernelPackage, dir: string, vmlinuxPath: string): Promise<void> {
  const debPath = await downloadDeb(pkg, join(dir, 'download'));
  const member = `./usr/lib/debug/boot/vmlinux-${pkg.release}`;
  progress(`extracting ${member} (about 20 s)`);
  await produceAtomically(vmlinuxPath, (tmp) =>
    runTool({
      step: 'extract vmlinux',
      command: 'bash',
      args: ['-o', 'pipefail', '-c', 'dpkg-deb --fsys-tarfile "$1" | tar -xO -f - "$2" > "$3"', 'extract', debPath, member, tmp],
      remedy: `The .deb may be truncated: delete ${debPath} and re-run to download it again.`,
    }).then(() => undefined),
  );
}

async function downloadDeb(pkg: ArmhfKernelPackage, downloadDir: string): Promise<string> {
  const existing = findDeb(downloadDir, pkg.name, pkg.arch);
  if (existing) return existing;
  mkdirSync(downloadDir, { recursive: true });
  progress(`downloading ${pkg.name}:${pkg.arch} ${pkg.version} from ${pkg.apt.suite} (${Math.round(pkg.debugPackageBytes / 1e6)} MB) into ${downloadDir}`);
  const download = runTool({
    step: `download ${pkg.arch} kernel debug package`,
    command: 'apt-get',
    args: [...pkg.apt.options, 'download', `${pkg.name}:${pkg.arch}=${pkg.version}`],
    cwd: downloadDir,
    remedy: `Check network access to the Debian mirror and free disk space (about 1 GB), then re-run. ${aptRemedy(pkg.arch)}`,
  });
  await withDownloadProgress(`downloading ${pkg.name}`, downloadDir, pkg.debugPackageBytes || undefined, download);
  const deb = findDeb(downloadDir, pkg.name, pkg.arch);
  if (!deb) throw new BtfSourcingError(`download ${pkg.arch} kernel debug package`, `apt-get reported success but no ${pkg.name}_*.deb is in ${downloadDir}`, 'Re-run; if it persists, download the package by hand into that directory.');
  return deb;
}

function findDeb(dir: string, packageName: string, arch: string): string | undefined {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  const name = names.find((n) => n.startsWith(`${packageName}_`) && n.endsWith(`_${arch}.deb`));
  return name === undefined ? undefined : join(dir, name);
}
