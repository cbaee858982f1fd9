/**
 * The BPF file system at /sys/fs/bpf, where pinned maps, programs and links live. Mounting it
 * needs root; `mote-agent setup` does it once, when /proc/self/mounts shows none there yet
 * (mounting it again would stack a second, empty bpffs over the first).
 */
import type { Sys } from '../sys/types.ts';
import { decodeUtf8 } from '../bytes/utf8.ts';

export const BPFFS_MOUNT_POINT = '/sys/fs/bpf';

/** Whether /proc/self/mounts lists a file system of `type` mounted at `target`. */
export function isMounted(sys: Sys, target: string, type: string): boolean {
  const mounts = decodeUtf8(sys.readFile('/proc/self/mounts'));
  return mounts.split('\n').some((line) => {
    const [, mountPoint, fsType] = line.split(' ');
    return mountPoint === target && fsType === type;
  });
}

/** Mounts bpffs at /sys/fs/bpf unless it is there; true when it mounted it. */
export function ensureBpffs(sys: Sys): boolean {
  if (isMounted(sys, BPFFS_MOUNT_POINT, 'bpf')) return false;
  sys.mount('bpf', BPFFS_MOUNT_POINT, 'bpf');
  return true;
}
