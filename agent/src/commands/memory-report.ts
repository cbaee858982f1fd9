/**
 * MOTE_MEMORY_REPORT=1: where the agent's memory goes, logged at the moments that decide its
 * peak (modules loaded with the kernel BTF still held; the turn after, once it is released):
 * the process's RSS and its high-water mark from /proc/self/status, split into anonymous and
 * file-backed pages, and QuickJS's own heap by kind (Sys.memoryUsage). At exit the binding adds
 * QuickJS's full table (native-arm/main.c).
 */
import * as std from 'std';
import type { Sys } from '../sys/types.ts';
import { decodeUtf8 } from '../bytes/utf8.ts';

export const MEMORY_REPORT_VARIABLE = 'MOTE_MEMORY_REPORT';

export function memoryReportWanted(): boolean {
  return std.getenv(MEMORY_REPORT_VARIABLE) === '1';
}

const kib = (bytes: number) => `${Math.round(bytes / 1024)} KiB`;

/**
 * One line: `memory (<moment>): RSS ..., peak ...; QuickJS heap ...; C allocator ...` (the last
 * with glibc only: what malloc holds from the kernel and how much of it is free). The heap's
 * `other` is what QuickJS does not break down: array buffer contents, C-side allocations and
 * malloc's overhead. (Its own "binary objects" counts bytecode read at start, long freed.)
 */
export function memoryLine(sys: Sys, moment: string): string {
  const status = decodeUtf8(sys.readFile('/proc/self/status'));
  const field = (name: string) => /^\s*(\d+)/.exec(status.split(`\n${name}:`)[1] ?? '')?.[1] ?? '?';
  const heap = sys.memoryUsage();
  const allocator = sys.allocatorUsage();
  return `memory (${moment}): RSS ${field('VmRSS')} KiB (anonymous ${field('RssAnon')}, files ${field('RssFile')}), peak ${field('VmHWM')} KiB; ` +
    `QuickJS heap ${kib(heap.mallocSize)}: objects ${kib(heap.objects)}, strings ${kib(heap.strings)}, bytecode ${kib(heap.bytecode)}, other ${kib(heap.mallocSize - heap.objects - heap.strings - heap.bytecode)}` +
    (allocator ? `; C allocator ${kib(allocator.heap)}, free ${kib(allocator.free)}` : '');
}
