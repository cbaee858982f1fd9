/**
 * `struct perf_event_attr` bytes (include/uapi/linux/perf_event.h, PERF_ATTR_SIZE_VER5 = 112)
 * and the perf ioctls. The same layout and ioctl numbers serve x86_64 and 32-bit ARM.
 */
import type { Sys } from '../../sys/types.ts';

export const PerfType = { HARDWARE: 0, SOFTWARE: 1, TRACEPOINT: 2 } as const;
export const PerfSoftwareEvent = { CPU_CLOCK: 0, BPF_OUTPUT: 10 } as const;
export const PerfSample = { RAW: 1 << 10 } as const;
export const PerfIoctl = { ENABLE: 0x2400, DISABLE: 0x2401, SET_BPF: 0x40042408 } as const;
export const PERF_FLAG_FD_CLOEXEC = 8;

const ATTR_SIZE = 112;
const Flag = { DISABLED: 1n << 0n, FREQ: 1n << 10n } as const;

export interface PerfEventAttr {
  type: number;
  config: bigint;
  /** Sample period, or frequency when `frequency` is set. */
  sample?: bigint;
  frequency?: boolean;
  sampleType?: number;
  wakeupEvents?: number;
  disabled?: boolean;
  /** config1/config2: kprobe function or uprobe path pointer, and offset. */
  config1?: bigint;
  config2?: bigint;
}

export function perfEventAttr(attr: PerfEventAttr): Uint8Array {
  const bytes = new Uint8Array(ATTR_SIZE);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, attr.type, true);
  view.setUint32(4, ATTR_SIZE, true);
  view.setBigUint64(8, attr.config, true);
  view.setBigUint64(16, attr.sample ?? 0n, true);
  view.setBigUint64(24, BigInt(attr.sampleType ?? 0), true);
  view.setBigUint64(40, (attr.disabled ? Flag.DISABLED : 0n) | (attr.frequency ? Flag.FREQ : 0n), true);
  view.setUint32(48, attr.wakeupEvents ?? 0, true);
  view.setBigUint64(56, attr.config1 ?? 0n, true);
  view.setBigUint64(64, attr.config2 ?? 0n, true);
  return bytes;
}

/** perf_event_open for every process on one CPU (pid -1), or one process on any CPU. */
export function openPerfEvent(sys: Sys, attr: PerfEventAttr, options: { pid?: number; cpu?: number } = {}): number {
  return sys.perfEventOpen(perfEventAttr(attr), options.pid ?? -1, options.cpu ?? 0, -1, PERF_FLAG_FD_CLOEXEC);
}
