/**
 * CPU sets from sysfs: `possible` sizes per-CPU map values, `online` says where perf events
 * can be opened. The files hold ranges such as `0-3,5`.
 */
import type { Sys } from '../sys/types.ts';
import { MoteError } from '../errors.ts';
import { readText } from './attach/tracefs.ts';

export class CpuListError extends MoteError {}

/** Parses a kernel CPU list (`0-3,5,7-8`) into sorted CPU numbers. */
export function parseCpuList(text: string, source: string): number[] {
  const cpus: number[] = [];
  for (const part of text.trim().split(',')) {
    const match = part.match(/^(\d+)(?:-(\d+))?$/);
    if (!match) throw new CpuListError(`${source}: cannot read CPU list '${text.trim()}'; expected ranges such as 0-3,5`);
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    if (last < first || last > 65535) throw new CpuListError(`${source}: bad CPU range '${part}'`);
    for (let cpu = first; cpu <= last; cpu++) cpus.push(cpu);
  }
  return cpus;
}

function readCpuList(sys: Sys, path: string): number[] {
  return parseCpuList(readText(sys, path), path);
}

export function possibleCpus(sys: Sys): number[] {
  return readCpuList(sys, '/sys/devices/system/cpu/possible');
}

export function onlineCpus(sys: Sys): number[] {
  return readCpuList(sys, '/sys/devices/system/cpu/online');
}

/** The number of per-CPU slots in a per-CPU map value: highest possible CPU + 1. */
export function possibleCpuCount(sys: Sys): number {
  const cpus = possibleCpus(sys);
  return cpus[cpus.length - 1] + 1;
}
