/**
 * Reads a map's entries for the sampler: by batch lookup where the kernel has it (Linux 5.6),
 * else key by key. A `reset` read empties the map as it goes: hash maps by batch
 * lookup-and-delete (Linux 5.6), else entry by entry with lookup-and-delete (5.14; older kernels
 * lookup then delete, losing what lands between), arrays by writing zeros back. An array
 * created mmapable (BPF_F_MMAPABLE, Linux 5.5) is mapped once and read with no syscall at all
 * in `delta` mode. Decoding is field-format.ts's.
 */
import type { Sys } from '../sys/types.ts';
import type { BpfMap, MapChunk, MapEntry } from '../kernel/map.ts';
import { MappedArray } from '../kernel/mapped-array.ts';
import type { ReadMode } from './decode/manifest.ts';
import { MapFlag, MapType } from '../abi/map-types.ts';
import { isSysError } from '../errors.ts';

const UNSUPPORTED = ['EINVAL', 'ENOTSUPP', 'EOPNOTSUPP'];

function isArray(map: BpfMap): boolean {
  return map.spec.mapType === MapType.ARRAY || map.spec.mapType === MapType.PERCPU_ARRAY;
}

export class MapReader {
  private batch: boolean;
  private atomicDelete = true;
  private readonly mapped: MappedArray | null;

  constructor(sys: Sys, private readonly map: BpfMap, private readonly mode: ReadMode, batchSupported: boolean) {
    this.batch = batchSupported;
    const mmapable = map.spec.mapType === MapType.ARRAY && ((map.spec.mapFlags ?? 0) & MapFlag.MMAPABLE) !== 0;
    this.mapped = mmapable && mode === 'delta' ? new MappedArray(sys, map) : null;
  }

  read(): MapEntry[] {
    if (this.mapped) return this.mapped.read();
    if (this.mode === 'reset' && !isArray(this.map)) return this.drainHash();
    const entries = this.readAll();
    if (this.mode === 'reset') {
      const zeros = new Uint8Array(this.map.transferValueSize);
      for (const entry of entries) if (entry.value.some((b) => b !== 0)) this.map.update(entry.key, zeros);
    }
    return entries;
  }

  /**
   * What read() reads, as chunks: a batch read's buffers whole (no view per entry), any other
   * read one chunk per entry.
   */
  readChunks(): MapChunk[] {
    if (!this.mapped && this.batch && !(this.mode === 'reset' && isArray(this.map))) {
      try {
        return this.map.chunksByBatch(this.mode === 'reset');
      } catch (error) {
        if (!isSysError(error) || !UNSUPPORTED.includes(error.code)) throw error;
        this.batch = false;
      }
    }
    return this.read().map(({ key, value }) => ({ keys: key, values: value, count: 1 }));
  }

  private readAll(): MapEntry[] {
    if (this.batch) {
      try {
        return this.map.entriesByBatch();
      } catch (error) {
        if (!isSysError(error) || !UNSUPPORTED.includes(error.code)) throw error;
        this.batch = false;
      }
    }
    return this.map.entriesByIteration();
  }

  private drainHash(): MapEntry[] {
    if (this.batch) {
      try {
        return this.map.entriesByBatch(true);
      } catch (error) {
        if (!isSysError(error) || !UNSUPPORTED.includes(error.code)) throw error;
        this.batch = false;
      }
    }
    const keys: Uint8Array[] = [];
    for (let key = this.map.nextKey(null); key; key = this.map.nextKey(key)) keys.push(key);
    const entries: MapEntry[] = [];
    for (const key of keys) {
      const value = this.takeEntry(key);
      if (value) entries.push({ key, value });
    }
    return entries;
  }

  private takeEntry(key: Uint8Array): Uint8Array | null {
    if (this.atomicDelete) {
      try {
        return this.map.lookupAndDelete(key);
      } catch (error) {
        if (!isSysError(error) || !UNSUPPORTED.includes(error.code)) throw error;
        this.atomicDelete = false;
      }
    }
    const value = this.map.lookup(key);
    this.map.delete(key);
    return value;
  }

  close(): void {
    this.mapped?.close();
  }
}
