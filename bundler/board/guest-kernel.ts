/**
 * The emulated board's kernel: Debian's armhf image package matching the kernel whose BTF
 * `mote btf` made (same release and version), unpacked once into the cache: the vmlinuz and
 * the modules the board's init loads (virtio transport and network, ram disk, loop).
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { resolveArmhfKernelPackage } from '../btf/armhf.ts';
import { moteCacheDir, writeFileAtomically } from '../btf/cache.ts';
import { progress, runTool } from '../btf/run-tool.ts';
import type { BoardDescriptor } from '../boards/descriptor.ts';
import { BoardError } from '../boards/descriptor.ts';

export interface GuestKernel {
  release: string;
  version: string;
  vmlinuz: string;
  /** Module name -> .ko path, for the board's `emulation.modules`. */
  modules: Record<string, string>;
}

const APT_REMEDY = "Run 'dpkg --add-architecture armhf && apt-get update', then re-run.";

async function download(packageName: string, version: string, dir: string): Promise<string> {
  const found = () => readdirSync(dir).find((f) => f.startsWith(`${packageName}_`) && f.endsWith('.deb'));
  mkdirSync(dir, { recursive: true });
  if (!found()) {
    progress(`downloading ${packageName}:armhf ${version}`);
    await runTool({ step: 'download guest kernel', command: 'apt-get', args: ['download', `${packageName}:armhf=${version}`], cwd: dir, remedy: APT_REMEDY });
  }
  const deb = found();
  if (!deb) throw new BoardError(`apt-get reported success but no ${packageName}_*.deb is in ${dir}`);
  return join(dir, deb);
}

export async function ensureGuestKernel(board: BoardDescriptor): Promise<GuestKernel> {
  if (!board.emulation) throw new BoardError(`board '${board.name}' is not emulated; flash its image instead`);
  const { release, version } = await resolveArmhfKernelPackage();
  const dir = moteCacheDir('guest-kernel', `${release}_${version}`);
  const vmlinuz = join(dir, `vmlinuz-${release}`);
  const modules = Object.fromEntries(board.emulation.modules.map((m) => [m, join(dir, `${m}.ko`)]));
  const stamp = join(dir, 'complete');
  if (existsSync(stamp) && Object.values(modules).every((path) => existsSync(path))) return { release, version, vmlinuz, modules };

  const packageName = `linux-image-${release}`;
  const deb = await download(packageName, version, join(dir, 'download'));
  const listing = await runTool({ step: 'list guest kernel package', command: 'dpkg-deb', args: ['-c', deb], remedy: 'Remove the .deb from the cache and re-run.' });
  const members = listing.split('\n').map((line) => line.split(/\s+/).pop() ?? '');
  const wanted = [`./boot/vmlinuz-${release}`];
  for (const module of board.emulation.modules) {
    const member = members.find((m) => m.endsWith(`/${module}.ko`) && m.includes('/kernel/'));
    if (!member) throw new BoardError(`board '${board.name}': module '${module}' is not in ${packageName}; check emulation.modules`);
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
  for (const [module, path] of Object.entries(modules)) {
    const member = wanted.find((m) => m.endsWith(`/${module}.ko`))!;
    await runTool({ step: 'unpack guest kernel', command: 'mv', args: [join(unpack, member), path], remedy: 'Re-run.' });
  }
  rmSync(unpack, { recursive: true, force: true });
  rmSync(join(dir, 'download'), { recursive: true, force: true });
  writeFileAtomically(stamp, `${packageName} ${version}\n`);
  return { release, version, vmlinuz, modules };
}
