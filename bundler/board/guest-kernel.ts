/**
 * The emulated board's kernel: Debian's image package of the board's flavour and architecture
 * (`emulation.kernelPackage`, e.g. armhf armmp-lpae, armhf armmp, armel rpi) of a suite (bookworm
 * by default) matching the kernel whose BTF `mote btf` made (same release and version),
 * unpacked once into the cache: the vmlinuz, the board's device tree when it names one, and the
 * modules the board's init loads (network, ram disk, loop). Newer packages ship them xz-compressed (`.ko.xz`, under /usr/lib/modules);
 * they are decompressed here, since busybox's insmod takes plain objects only.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { resolveArmhfKernelPackage, type ArmhfKernelPackage, type DebianKernelFlavour } from '../btf/armhf.ts';
import { DEFAULT_SUITE } from '../btf/debian-suite.ts';
import { moteCacheDir, writeFileAtomically } from '../btf/cache.ts';
import { progress, runTool } from '../btf/run-tool.ts';
import type { BoardDescriptor } from './descriptor.ts';
import { BoardError } from './descriptor.ts';

export interface GuestKernel {
  release: string;
  version: string;
  suite: string;
  vmlinuz: string;
  /** The board's device tree blob, when it boots with one. */
  dtb?: string;
  /** Module name -> .ko path, for the board's `emulation.modules`. */
  modules: Record<string, string>;
}

/** The Debian kernel flavour an emulated board boots: its `linux-image-<flavour>` of its architecture. */
export function boardKernelFlavour(board: BoardDescriptor): DebianKernelFlavour {
  if (!board.emulation) throw new BoardError(`board '${board.name}' is not emulated; flash its image instead`);
  return { flavour: board.emulation.kernelPackage.replace(/^linux-image-/, ''), arch: board.arch };
}

async function download(packageName: string, kernel: ArmhfKernelPackage, dir: string): Promise<string> {
  const found = () => readdirSync(dir).find((f) => f.startsWith(`${packageName}_`) && f.endsWith('.deb'));
  mkdirSync(dir, { recursive: true });
  if (!found()) {
    progress(`downloading ${packageName}:${kernel.arch} ${kernel.version} from ${kernel.apt.suite}`);
    const args = [...kernel.apt.options, 'download', `${packageName}:${kernel.arch}=${kernel.version}`];
    const remedy = `Run 'dpkg --add-architecture ${kernel.arch} && apt-get update', then re-run.`;
    await runTool({ step: 'download guest kernel', command: 'apt-get', args, cwd: dir, remedy });
  }
  const deb = found();
  if (!deb) throw new BoardError(`apt-get reported success but no ${packageName}_*.deb is in ${dir}`);
  return join(dir, deb);
}

/** The package member of a kernel module: `.../kernel/.../<name>.ko`, or `.ko.xz` when compressed. */
function moduleMember(members: string[], module: string): string | undefined {
  return members.find((m) => m.includes('/kernel/') && (m.endsWith(`/${module}.ko`) || m.endsWith(`/${module}.ko.xz`)));
}

export async function ensureGuestKernel(board: BoardDescriptor, suite: string = DEFAULT_SUITE): Promise<GuestKernel> {
  const flavour = boardKernelFlavour(board);
  const emulation = board.emulation!;
  const kernel = await resolveArmhfKernelPackage(suite, flavour);
  const { release, version } = kernel;
  const dir = moteCacheDir('guest-kernel', `${release}_${version}`);
  const vmlinuz = join(dir, `vmlinuz-${release}`);
  const dtb = emulation.dtb === undefined ? undefined : join(dir, emulation.dtb);
  const modules = Object.fromEntries(emulation.modules.map((m) => [m, join(dir, `${m}.ko`)]));
  const stamp = join(dir, 'complete');
  const result = { release, version, suite, vmlinuz, modules, ...(dtb ? { dtb } : {}) };
  if (existsSync(stamp) && [...Object.values(modules), ...(dtb ? [dtb] : [])].every((path) => existsSync(path))) return result;

  const packageName = `linux-image-${release}`;
  const deb = await download(packageName, kernel, join(dir, 'download'));
  const listing = await runTool({ step: 'list guest kernel package', command: 'dpkg-deb', args: ['-c', deb], remedy: 'Remove the .deb from the cache and re-run.' });
  const members = listing.split('\n').map((line) => line.split(/\s+/).pop() ?? '');
  const dtbMember = `./usr/lib/linux-image-${release}/${emulation.dtb}`;
  if (emulation.dtb !== undefined && !members.includes(dtbMember)) {
    throw new BoardError(`board '${board.name}': device tree '${emulation.dtb}' is not in ${packageName} (${suite}); pick one of its /usr/lib/linux-image-${release}/*.dtb`);
  }
  const wanted = [`./boot/vmlinuz-${release}`, ...(emulation.dtb !== undefined ? [dtbMember] : [])];
  for (const module of emulation.modules) {
    const member = moduleMember(members, module);
    if (!member) throw new BoardError(`board '${board.name}': module '${module}' is not in ${packageName} (${suite}); check emulation.modules against 'dpkg-deb -c' of that package (the module may be built in, or renamed)`);
    wanted.push(member);
  }
  const unpack = join(dir, 'unpack');
  rmSync(unpack, { recursive: true, force: true });
  mkdirSync(unpack, { recursive: true });
  progress(`unpacking ${packageName}`);
  await runTool({
    step: 'unpack guest kernel', command: 'bash', args: ['-o', 'pipefail', '-c', 'deb="$1"; dir="$2"; shift 2; dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dir" "$@"', 'unpack', deb, unpack, ...wanted],
    remedy: 'Remove the .deb from the cache and re-run.',
  });
  await runTool({ step: 'unpack guest kernel', command: 'mv', args: [join(unpack, 'boot', `vmlinuz-${release}`), vmlinuz], remedy: 'Re-run.' });
  if (dtb) await runTool({ step: 'unpack device tree', command: 'mv', args: [join(unpack, dtbMember), dtb], remedy: 'Re-run.' });
  for (const [module, path] of Object.entries(modules)) {
    const member = moduleMember(wanted, module)!;
    const [command, args] = member.endsWith('.xz') ? ['xz', ['-dc', join(unpack, member)]] : ['cat', [join(unpack, member)]];
    await runTool({ step: `unpack kernel module ${module}`, command, args, stdoutPath: path, remedy: "Install xz-utils ('apt-get install xz-utils') and re-run." });
  }
  rmSync(unpack, { recursive: true, force: true });
  rmSync(join(dir, 'download'), { recursive: true, force: true });
  writeFileAtomically(stamp, `${packageName} ${version}\n`);
  return result;
}
