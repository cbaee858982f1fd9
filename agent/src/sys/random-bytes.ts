/** Random bytes from the kernel's pool (/dev/urandom), for boot ids. */
import type { Sys } from './types.ts';

export function randomBytes(sys: Sys, count: number): Uint8Array {
  const fd = sys.open('/dev/urandom', 0, 0);
  try {
    const bytes = new Uint8Array(count);
    if (sys.read(fd, bytes) !== count) throw new Error('short read from /dev/urandom');
    return bytes;
  } finally {
    sys.close(fd);
  }
}
