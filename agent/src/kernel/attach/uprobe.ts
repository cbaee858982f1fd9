/**
 * uprobe and uretprobe attachment through the perf uprobe PMU: a binary path and a file
 * offset (resolved from a symbol by uprobe-offset.ts), on every process (pid -1) or one.
 */
import type { Sys } from '../../sys/types.ts';
import { AttachError } from '../errors.ts';
import { attachToPerfEvent, type Link } from './link.ts';
import { openPerfEvent } from './perf-event-attr.ts';
import { probePmu } from './probe-pmu.ts';
import { encodeCString } from '../../bytes/c-string.ts';

export interface UprobeTarget {
  path: string;
  /** File offset of the probed instruction. */
  offset: number;
  retprobe: boolean;
  /** Shown in the link's description, e.g. the symbol name. */
  label: string;
  pid?: number;
}

export function attachUprobe(sys: Sys, progFd: number, target: UprobeTarget, useLinks: boolean): Link {
  const description = `${target.retprobe ? 'uretprobe' : 'uprobe'} ${target.path}:${target.label}`;
  const pmu = probePmu(sys, 'uprobe');
  if (!pmu) throw new AttachError(`${description}: this kernel has no perf uprobe PMU (Linux 4.17, CONFIG_UPROBE_EVENTS)`);
  const path = encodeCString(target.path);
  const pid = target.pid ?? -1;
  const perfFd = openPerfEvent(sys, {
    type: pmu.type, config: target.retprobe ? 1n << BigInt(pmu.retprobeBit) : 0n, sample: 1n, wakeupEvents: 1,
    config1: sys.addressOf(path), config2: BigInt(target.offset),
  }, { pid, cpu: pid === -1 ? 0 : -1 });
  return attachToPerfEvent(sys, progFd, perfFd, description, useLinks);
}
