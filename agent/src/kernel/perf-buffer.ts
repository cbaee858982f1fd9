/**
 * Consumer of a BPF perf event array for kernels without ring buffers: one BPF-output perf
 * event per online CPU, its fd stored at the CPU's index in the map, its pages mapped. Samples
 * are copied out (also across the wrap of the data area); PERF_RECORD_LOST adds to `lost`.
 */
import type { Sys } from '../sys/types.ts';
import { onlineCpus } from './cpus.ts';
import type { BpfMap } from './map.ts';
import { SharedWords } from './shared-memory.ts';
import { LoadError } from './errors.ts';
import { MAP_SHARED, PROT_READ, PROT_WRITE } from './mmap-flags.ts';
import { openPerfEvent, PerfIoctl, PerfSample, PerfSoftwareEvent, PerfType } from './attach/perf-event-attr.ts';

const RECORD_LOST = 2;
const RECORD_SAMPLE = 9;
const DATA_HEAD = 1024;
const DATA_TAIL = 1032;

interface CpuBuffer {
  cpu: number;
  fd: number;
  mapping: ArrayBuffer;
  words: SharedWords;
  bytes: Uint8Array;
}

export class PerfBufferReader {
  lost = 0;
  private readonly buffers: CpuBuffer[] = [];
  private readonly dataSize: number;
  private readonly page: number;

  constructor(private readonly sys: Sys, map: BpfMap, pagesPerCpu = 8) {
    if (!Number.isInteger(pagesPerCpu) || pagesPerCpu < 1 || (pagesPerCpu & (pagesPerCpu - 1)) !== 0) {
      throw new LoadError(`perf buffer of map '${map.name}': ${pagesPerCpu} data pages per CPU; the kernel takes a power of two (1, 2, 4, 8...)`);
    }
    this.page = sys.pageSize();
    this.dataSize = pagesPerCpu * this.page;
    try {
      for (const cpu of onlineCpus(sys)) {
        const fd = openPerfEvent(sys, { type: PerfType.SOFTWARE, config: BigInt(PerfSoftwareEvent.BPF_OUTPUT), sample: 1n, sampleType: PerfSample.RAW, wakeupEvents: 1 }, { cpu });
        const mapping = sys.mmap(fd, this.page + this.dataSize, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
        this.buffers.push({ cpu, fd, mapping, words: new SharedWords(mapping), bytes: new Uint8Array(mapping) });
        const key = new Uint8Array(4);
        const value = new Uint8Array(4);
        new DataView(key.buffer).setUint32(0, cpu, true);
        new DataView(value.buffer).setUint32(0, fd, true);
        map.update(key, value);
        sys.ioctl(fd, PerfIoctl.ENABLE, 0);
      }
    } catch (error) {
      this.close();
      throw error;
    }
  }

  /** The per-CPU fds, for readiness handlers. */
  get fds(): number[] {
    return this.buffers.map((b) => b.fd);
  }

  private copy(buffer: CpuBuffer, position: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; ) {
      const offset = (position + i) % this.dataSize;
      const run = Math.min(length - i, this.dataSize - offset);
      out.set(buffer.bytes.subarray(this.page + offset, this.page + offset + run), i);
      i += run;
    }
    return out;
  }

  drain(onRecord: (record: Uint8Array, cpu: number) => void): number {
    let consumed = 0;
    for (const buffer of this.buffers) {
      const head = buffer.words.loadPosition(DATA_HEAD, 8);
      let tail = buffer.words.loadPosition(DATA_TAIL, 8);
      while (tail < head) {
        const header = new DataView(this.copy(buffer, tail, 8).buffer);
        const type = header.getUint32(0, true);
        const size = header.getUint16(6, true);
        if (size < 8) break;
        const body = this.copy(buffer, tail + 8, size - 8);
        const view = new DataView(body.buffer);
        if (type === RECORD_SAMPLE) {
          const rawSize = view.getUint32(0, true);
          onRecord(body.slice(4, 4 + rawSize), buffer.cpu);
          consumed++;
        } else if (type === RECORD_LOST) {
          this.lost += Number(view.getBigUint64(8, true));
        }
        tail += size;
      }
      buffer.words.storePosition(DATA_TAIL, 8, tail);
    }
    return consumed;
  }

  close(): void {
    for (const buffer of this.buffers.splice(0)) {
      this.sys.munmap(buffer.mapping);
      this.sys.close(buffer.fd);
    }
  }
}
