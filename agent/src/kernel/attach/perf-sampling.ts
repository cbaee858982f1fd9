/**
 * perf_event programs: a software CPU-clock event sampling at a frequency on every online CPU,
 * one perf event and one link per CPU, detached together.
 */
import type { Sys } from '../../sys/types.ts';
import { onlineCpus } from '../cpus.ts';
import { attachToPerfEvent, type Link } from './link.ts';
import { openPerfEvent, PerfSoftwareEvent, PerfType } from './perf-event-attr.ts';

export function attachPerfSampling(sys: Sys, progFd: number, frequencyHz: number, useLinks: boolean): Link {
  const links: Link[] = [];
  try {
    for (const cpu of onlineCpus(sys)) {
      const perfFd = openPerfEvent(sys, { type: PerfType.SOFTWARE, config: BigInt(PerfSoftwareEvent.CPU_CLOCK), sample: BigInt(frequencyHz), frequency: true }, { cpu });
      links.push(attachToPerfEvent(sys, progFd, perfFd, `cpu ${cpu}`, useLinks));
    }
  } catch (error) {
    for (const link of links) link.detach();
    throw error;
  }
  return {
    description: `perf_event cpu-clock at ${frequencyHz} Hz on ${links.length} CPUs`,
    detach: () => links.forEach((link) => link.detach()),
  };
}
