/**
 * A ring buffer map or a perf event array, read the same way: the fds to watch for readiness,
 * a drain that hands over each record's bytes, and the records the kernel itself reports lost
 * (a perf buffer's PERF_RECORD_LOST; a ring buffer reports none, its programs count failed
 * reservations in a map of their own). A perf buffer gets the bytes its ring buffer twin would
 * have, spread over the online CPUs.
 */
import type { Sys } from '../sys/types.ts';
import { MapType } from '../abi/map-types.ts';
import { onlineCpus } from './cpus.ts';
import { LoadError } from './errors.ts';
import type { BpfMap } from './map.ts';
import { PerfBufferReader } from './perf-buffer.ts';
import { RingBufferReader } from './ring-buffer.ts';
import { kernelWordSize } from './word-size.ts';

export interface EventBuffer {
  /** 'ring buffer' or 'perf buffer'. */
  readonly kind: string;
  readonly fds: number[];
  drain(onRecord: (record: Uint8Array) => void): number;
  /** Records the kernel reported lost so far. */
  readonly lost: number;
  close(): void;
}

/** Data pages per CPU for a perf buffer holding `bytes` in all: a power of two, at least one. */
export function perfPagesPerCpu(bytes: number, cpus: number, pageSize: number): number {
  const wanted = Math.max(1, Math.ceil(bytes / pageSize / Math.max(cpus, 1)));
  let pages = 1;
  while (pages < wanted) pages *= 2;
  return pages;
}

export interface EventBufferOptions {
  /** Bytes of a perf buffer over all CPUs (default: 8 pages per CPU). */
  perfBytes?: number;
  /** Data pages per CPU of a perf buffer, when given outright. */
  perfPagesPerCpu?: number;
}

export function openEventBuffer(sys: Sys, map: BpfMap, options: EventBufferOptions = {}): EventBuffer {
  if (map.spec.mapType === MapType.RINGBUF) {
    const reader = new RingBufferReader(sys, map.fd, map.spec.maxEntries, kernelWordSize(sys.uname().machine));
    return { kind: 'ring buffer', fds: [map.fd], drain: (onRecord) => reader.drain(onRecord), lost: 0, close: () => reader.close() };
  }
  if (map.spec.mapType === MapType.PERF_EVENT_ARRAY) {
    const pages = options.perfPagesPerCpu ?? (options.perfBytes === undefined ? 8 : perfPagesPerCpu(options.perfBytes, onlineCpus(sys).length, sys.pageSize()));
    const reader = new PerfBufferReader(sys, map, pages);
    return {
      kind: 'perf buffer',
      fds: reader.fds,
      drain: (onRecord) => reader.drain((record) => onRecord(record)),
      get lost() {
        return reader.lost;
      },
      close: () => reader.close(),
    };
  }
  throw new LoadError(`map '${map.name}' is a ${map.typeName}; events come from a ring buffer or a perf event array`);
}
