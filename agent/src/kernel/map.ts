/**
 * A BPF map held by the agent: create, lookup, update, delete, key iteration, batch lookup,
 * freeze and mmap through bpf(2). Keys and values are raw bytes; per-CPU values come back as
 * one buffer of `perCpuSlots` slots of round_up(valueSize, 8) bytes. Decoding is the sampler's.
 */
import type { Sys } from '../sys/types.ts';
import { BpfCommand, UpdateFlag } from '../abi/bpf-commands.ts';
import { fdAttr, mapBatchAttr, mapCreateAttr, mapElemAttr, type MapCreateAttr } from './bpf-attr.ts';
import { isPerCpuMap, MAP_TYPE_NAMES } from '../abi/map-types.ts';
import { isSysError } from '../errors.ts';

export interface MapEntry {
  key: Uint8Array;
  value: Uint8Array;
}

/** `count` entries read together: keys `keySize` bytes apart in `keys`, values `transferValueSize` apart in `values`. */
export interface MapChunk {
  keys: Uint8Array;
  values: Uint8Array;
  count: number;
}

/** Entries fetched per MAP_LOOKUP_BATCH call (grown on ENOSPC for hash buckets). */
const BATCH_CHUNK = 1024;

export class BpfMap {
  /** Bytes of one value as bpf(2) transfers it: all CPU slots for per-CPU maps. */
  readonly transferValueSize: number;
  private firstBatch: { keys: Uint8Array; values: Uint8Array } | null = null;

  private constructor(
    private readonly sys: Sys,
    readonly fd: number,
    readonly name: string,
    readonly spec: MapCreateAttr,
    readonly perCpuSlots: number,
  ) {
    this.transferValueSize = perCpuSlots > 0 ? roundUp8(spec.valueSize) * perCpuSlots : spec.valueSize;
  }

  /** Creates a map; `possibleCpus` is required for per-CPU types. */
  static create(sys: Sys, spec: MapCreateAttr, possibleCpus = 0): BpfMap {
    const fd = sys.bpf(BpfCommand.MAP_CREATE, mapCreateAttr(sys, spec));
    return new BpfMap(sys, fd, spec.name ?? '', spec, isPerCpuMap(spec.mapType) ? possibleCpus : 0);
  }

  get typeName(): string {
    return MAP_TYPE_NAMES[this.spec.mapType] ?? `type ${this.spec.mapType}`;
  }

  /** The value stored under `key`, or null when the key is absent. */
  lookup(key: Uint8Array): Uint8Array | null {
    const value = new Uint8Array(this.transferValueSize);
    try {
      this.sys.bpf(BpfCommand.MAP_LOOKUP_ELEM, mapElemAttr(this.sys, this.fd, key, value));
    } catch (error) {
      if (isSysError(error, 'ENOENT')) return null;
      throw error;
    }
    return value;
  }

  update(key: Uint8Array, value: Uint8Array, flags: number = UpdateFlag.ANY): void {
    this.sys.bpf(BpfCommand.MAP_UPDATE_ELEM, mapElemAttr(this.sys, this.fd, key, value, flags));
  }

  /** Deletes `key`; false when it was absent. */
  delete(key: Uint8Array): boolean {
    try {
      this.sys.bpf(BpfCommand.MAP_DELETE_ELEM, mapElemAttr(this.sys, this.fd, key, null));
      return true;
    } catch (error) {
      if (isSysError(error, 'ENOENT')) return false;
      throw error;
    }
  }

  /**
   * Reads and deletes `key` in one step (hash maps: Linux 5.14), so no update between the two is
   * lost; null when the key is absent. Throws the SysError (EINVAL, ENOTSUPP) of older kernels.
   */
  lookupAndDelete(key: Uint8Array): Uint8Array | null {
    const value = new Uint8Array(this.transferValueSize);
    try {
      this.sys.bpf(BpfCommand.MAP_LOOKUP_AND_DELETE_ELEM, mapElemAttr(this.sys, this.fd, key, value));
    } catch (error) {
      if (isSysError(error, 'ENOENT')) return null;
      throw error;
    }
    return value;
  }

  /** The key after `key` (the first key when `key` is null), or null at the end. */
  nextKey(key: Uint8Array | null): Uint8Array | null {
    const next = new Uint8Array(this.spec.keySize);
    try {
      this.sys.bpf(BpfCommand.MAP_GET_NEXT_KEY, mapElemAttr(this.sys, this.fd, key, next));
    } catch (error) {
      if (isSysError(error, 'ENOENT')) return null;
      throw error;
    }
    return next;
  }

  /** Every entry, by get_next_key then lookup (entries deleted meanwhile are skipped). */
  entriesByIteration(): MapEntry[] {
    const entries: MapEntry[] = [];
    for (let key = this.nextKey(null); key; key = this.nextKey(key)) {
      const value = this.lookup(key);
      if (value) entries.push({ key, value });
    }
    return entries;
  }

  /**
   * Every entry, by MAP_LOOKUP_BATCH (Linux 5.6); with `deleting`, by
   * MAP_LOOKUP_AND_DELETE_BATCH, which empties a hash map bucket by bucket as it reads. Throws
   * the SysError of the first call when the kernel or the map type has no batch support
   * (EINVAL, ENOTSUPP, EOPNOTSUPP). Keys and values are views into buffers the map keeps, not
   * copies: they hold until the next batch read of this map, so decode them before that.
   */
  entriesByBatch(deleting = false): MapEntry[] {
    const entries: MapEntry[] = [];
    for (const { keys, values, count } of this.chunksByBatch(deleting)) {
      for (let i = 0; i < count; i++) {
        entries.push({
          key: keys.subarray(i * this.spec.keySize, (i + 1) * this.spec.keySize),
          value: values.subarray(i * this.transferValueSize, (i + 1) * this.transferValueSize),
        });
      }
    }
    return entries;
  }

  /** What entriesByBatch() reads, one chunk per call, without a view per entry; the same buffers and the same lifetime. */
  chunksByBatch(deleting = false): MapChunk[] {
    const chunks: MapChunk[] = [];
    const tokenSize = Math.max(this.spec.keySize, 8);
    let inBatch: Uint8Array | null = null;
    let chunk = Math.min(BATCH_CHUNK, Math.max(this.spec.maxEntries, 1));
    for (let call = 0; ; call++) {
      const outBatch = new Uint8Array(tokenSize);
      const { keys, values } = this.batchBuffers(call, chunk);
      const attr = mapBatchAttr(this.sys, this.fd, inBatch, outBatch, keys, values, chunk);
      let done = false;
      try {
        this.sys.bpf(deleting ? BpfCommand.MAP_LOOKUP_AND_DELETE_BATCH : BpfCommand.MAP_LOOKUP_BATCH, attr.bytes);
      } catch (error) {
        if (isSysError(error, 'ENOSPC') && chunk < this.spec.maxEntries * 2) {
          chunk *= 2;
          call--;
          continue;
        }
        if (!isSysError(error, 'ENOENT')) throw error;
        done = true;
      }
      const count = attr.readU32(32);
      if (count > 0) chunks.push({ keys, values, count });
      if (done) return chunks;
      inBatch = outBatch;
    }
  }

  /**
   * The key and value buffers of the `call`th batch call of a read. The first call's are kept
   * for the reads after (allocating a chunk's worth of fresh pages, which the kernel zeroes, on
   * every sample cost more than reading a small map); a large map's further chunks are fresh.
   */
  private batchBuffers(call: number, chunk: number): { keys: Uint8Array; values: Uint8Array } {
    const kept = call === 0 ? this.firstBatch : null;
    if (kept && kept.keys.length >= chunk * this.spec.keySize && kept.values.length >= chunk * this.transferValueSize) return kept;
    const buffers = { keys: new Uint8Array(chunk * this.spec.keySize), values: new Uint8Array(chunk * this.transferValueSize) };
    if (call === 0) this.firstBatch = buffers;
    return buffers;
  }

  /** Makes the map read-only for user space (BPF_MAP_FREEZE, Linux 5.2), as for `.rodata`. */
  freeze(): void {
    this.sys.bpf(BpfCommand.MAP_FREEZE, fdAttr(this.sys, this.fd));
  }

  close(): void {
    this.sys.close(this.fd);
  }
}

export function roundUp8(size: number): number {
  return (size + 7) & ~7;
}
