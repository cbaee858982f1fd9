/**
 * The perf `kprobe` and `uprobe` PMUs (Linux 4.17): their dynamic perf type and the config bit
 * that makes a return probe, read from /sys/bus/event_source/devices/<pmu>/.
 */
import type { Sys } from '../../sys/types.ts';
import { readText } from './tracefs.ts';
import { isSysError } from '../../errors.ts';

export interface ProbePmu {
  type: number;
  /** config bit for a return probe (`config:0` in format/retprobe). */
  retprobeBit: number;
}

/** The PMU, or null when this kernel has none (then tracefs probe events are the fallback). */
export function probePmu(sys: Sys, name: 'kprobe' | 'uprobe'): ProbePmu | null {
  const dir = `/sys/bus/event_source/devices/${name}`;
  try {
    const type = Number(readText(sys, `${dir}/type`));
    const format = readText(sys, `${dir}/format/retprobe`).match(/^config:(\d+)$/);
    return { type, retprobeBit: format ? Number(format[1]) : 0 };
  } catch (error) {
    if (isSysError(error, 'ENOENT')) return null;
    throw error;
  }
}
