/**
 * kprobe and kretprobe attachment: through the perf kprobe PMU, or, on kernels without it,
 * a probe event written to tracefs kprobe_events (removed again on detach).
 */
import type { Sys } from '../../sys/types.ts';
import { AttachError } from '../errors.ts';
import { attachToPerfEvent, type Link } from './link.ts';
import { openPerfEvent, PerfType } from './perf-event-attr.ts';
import { probePmu } from './probe-pmu.ts';
import { tracefsRoot, tracepointId, writeTracefsLine } from './tracefs.ts';
import { encodeCString } from '../../bytes/c-string.ts';

export interface KprobeTarget {
  function: string;
  offset?: number;
  retprobe: boolean;
}

export function attachKprobe(sys: Sys, progFd: number, target: KprobeTarget, useLinks: boolean): Link {
  const kind = target.retprobe ? 'kretprobe' : 'kprobe';
  const description = `${kind} ${target.function}${target.offset ? `+${target.offset}` : ''}`;
  const pmu = probePmu(sys, 'kprobe');
  if (pmu) {
    const name = encodeCString(target.function);
    const perfFd = openPerfEvent(sys, {
      type: pmu.type, config: target.retprobe ? 1n << BigInt(pmu.retprobeBit) : 0n, sample: 1n, wakeupEvents: 1,
      config1: sys.addressOf(name), config2: BigInt(target.offset ?? 0),
    });
    return attachToPerfEvent(sys, progFd, perfFd, description, useLinks);
  }
  let root: string;
  try {
    root = tracefsRoot(sys);
    sys.readFile(`${root}/kprobe_events`);
  } catch {
    throw new AttachError(`${description}: this kernel has neither the perf kprobe PMU nor tracefs kprobe_events; it needs CONFIG_KPROBES and CONFIG_KPROBE_EVENTS, or use the module's tracepoint variant`);
  }
  const event = `mote_${sys.getpid()}_${target.function.replace(/[^A-Za-z0-9_]/g, '_')}_${target.offset ?? 0}`;
  writeTracefsLine(sys, 'kprobe_events', `${target.retprobe ? 'r' : 'p'}:kprobes/${event} ${target.function}${target.offset ? `+${target.offset}` : ''}`);
  const remove = () => writeTracefsLine(sys, 'kprobe_events', `-:kprobes/${event}`);
  try {
    const perfFd = openPerfEvent(sys, { type: PerfType.TRACEPOINT, config: BigInt(tracepointId(sys, 'kprobes', event)), sample: 1n, wakeupEvents: 1 });
    return attachToPerfEvent(sys, progFd, perfFd, description, useLinks, 0n, remove);
  } catch (error) {
    remove();
    throw error;
  }
}
