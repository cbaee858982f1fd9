/** Tracepoint attachment: a perf event on the tracepoint's id, then a link to the program. */
import type { Sys } from '../../sys/types.ts';
import { attachToPerfEvent, type Link } from './link.ts';
import { openPerfEvent, PerfType } from './perf-event-attr.ts';
import { tracepointId } from './tracefs.ts';

export function attachTracepoint(sys: Sys, progFd: number, category: string, name: string, useLinks: boolean): Link {
  const id = tracepointId(sys, category, name);
  const perfFd = openPerfEvent(sys, { type: PerfType.TRACEPOINT, config: BigInt(id), sample: 1n, wakeupEvents: 1 });
  return attachToPerfEvent(sys, progFd, perfFd, `tracepoint ${category}/${name}`, useLinks);
}
