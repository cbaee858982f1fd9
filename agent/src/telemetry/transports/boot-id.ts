/** Boot ids: 16 random bytes from the kernel's pool (/dev/urandom), new at every agent start. */
import { MoteError } from '../../errors.ts';
import type { Sys } from '../../sys/types.ts';

const BOOT_ID_BYTES = 16;

export function newBootId(sys: Sys): Uint8Array {
  const fd = sys.open('/dev/urandom', 0, 0);
  try {
    const bytes = new Uint8Array(BOOT_ID_BYTES);
    if (sys.read(fd, bytes) !== BOOT_ID_BYTES) throw new MoteError('/dev/urandom gave fewer bytes than asked for; check that /dev is mounted (devtmpfs) on this device');
    return bytes;
  } finally {
    sys.close(fd);
  }
}
