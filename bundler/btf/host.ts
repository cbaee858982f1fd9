/**
 * The build host's kernel BTF and a `vmlinux.h` generated from it with bpftool, cached under
 * `<cache>/host-btf/<release>-<hash>/`. The key includes a hash of the BTF itself, so a kernel
 * upgrade (or a different machine sharing a cache) regenerates the header instead of reusing it.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { moteCacheDir } from './cache.ts';
import { BtfSourcingError } from './errors.ts';
import { dumpVmlinuxHeader } from './header.ts';
import { progress } from './run-tool.ts';

export const HOST_KERNEL_BTF = '/sys/kernel/btf/vmlinux';

export interface KernelBtf {
  /** The kernel release this BTF describes (`uname -r` for the host). */
  release: string;
  /** Raw BTF (the format of /sys/kernel/btf/vmlinux). */
  btfPath: string;
  /** C header of every kernel type, for compiling BPF programs against this kernel. */
  headerPath: string;
}

export async function ensureHostBtf(): Promise<KernelBtf> {
  if (!existsSync(HOST_KERNEL_BTF)) {
    throw new BtfSourcingError('host BTF', `${HOST_KERNEL_BTF} does not exist`, 'Build on a kernel with CONFIG_DEBUG_INFO_BTF=y, or pass a BTF file explicitly.');
  }
  const btf = readFileSync(HOST_KERNEL_BTF);
  const hash = createHash('sha256').update(btf).digest('hex').slice(0, 12);
  const dir = moteCacheDir('host-btf', `${release()}-${hash}`);
  const headerPath = join(dir, 'vmlinux.h');
  if (!existsSync(headerPath)) {
    progress(`generating host vmlinux.h for ${release()}`);
    await dumpVmlinuxHeader(HOST_KERNEL_BTF, headerPath, 'host vmlinux.h');
  }
  return { release: release(), btfPath: HOST_KERNEL_BTF, headerPath };
}
