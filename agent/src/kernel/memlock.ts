/**
 * Kernels before 5.11 charge BPF maps and programs to the RLIMIT_MEMLOCK of the process that
 * creates them (64 KiB by default on 5.10), so even root gets EPERM for a ring buffer or a hash
 * map of a few thousand entries. Like libbpf, the loader lifts that limit before creating
 * anything; from 5.11 memory cgroups account for BPF memory and the limit is not consulted.
 * Without CAP_SYS_RESOURCE the limit stays, and map creation reports the EPERM.
 */
import type { Sys } from '../sys/types.ts';
import { isSysError } from '../errors.ts';

export function liftMemlockLimit(sys: Sys): void {
  try {
    sys.raiseMemlockLimit();
  } catch (error) {
    if (!isSysError(error, 'EPERM')) throw error;
  }
}
