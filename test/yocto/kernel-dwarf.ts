/**
 * A Debian armhf kernel's vmlinux with its DWARF (from the suite's -dbg package, ~620 MB once),
 * kept (without the .deb) in the Yocto test cache: what mote-btf's pahole reads in an image build. `npx mote btf`
 * deletes its copy once the BTF exists, so this one lives apart.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { extractVmlinux, resolveArmhfKernelPackage } from '../../bundler/btf/armhf.ts';
import { yoctoCache } from './series.ts';

export async function dwarfVmlinux(suite?: string): Promise<{ release: string; vmlinux: string }> {
  const pkg = await resolveArmhfKernelPackage(suite);
  const dir = join(yoctoCache, 'kernel-dwarf', `${pkg.release}_${pkg.version}`);
  const vmlinux = join(dir, `vmlinux-${pkg.release}`);
  if (!existsSync(vmlinux)) {
    mkdirSync(dir, { recursive: true });
    await extractVmlinux(pkg, dir, vmlinux);
    rmSync(join(dir, 'download'), { recursive: true, force: true });
  }
  return { release: pkg.release, vmlinux };
}
