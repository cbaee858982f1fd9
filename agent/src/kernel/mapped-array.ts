/**
 * An mmapable array map (BPF_F_MMAPABLE, Linux 5.5) mapped read-only into the agent: its values
 * are read straight from the kernel's memory, with no system call per read.
 */
import type { Sys } from '../sys/types.ts';
import { roundUp8, type BpfMap, type MapEntry } from './map.ts';
import { MAP_SHARED, PROT_READ } from './mmap-flags.ts';

/** The values of an mmapable array, mapped read-only; keys are the indexes. */
/** The values of an mmapable array, mapped read-only; keys are the indexes. */
export class MappedArray {
  private readonly mapping: ArrayBuffer;
  private readonly keys: Uint8Array[];

  constructor(private readonly sys: Sys, private readonly map: BpfMap) {
    const page = sys.pageSize();
    const length = Math.ceil((roundUp8(map.spec.valueSize) * map.spec.maxEntries) / page) * page;
    this.mapping = sys.mmap(map.fd, length, PROT_READ, MAP_SHARED, 0);
    this.keys = Array.from({ length: map.spec.maxEntries }, (_, i) => Uint8Array.of(i & 0xff, (i >> 8) & 0xff, (i >> 16) & 0xff, i >>> 24));
  }

  read(): MapEntry[] {
    const stride = roundUp8(this.map.spec.valueSize);
    const bytes = new Uint8Array(this.mapping);
    return this.keys.map((key, i) => ({ key, value: bytes.slice(i * stride, i * stride + this.map.spec.valueSize) }));
  }

  close(): void {
    this.sys.munmap(this.mapping);
  }
}
