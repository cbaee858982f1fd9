/**
 * A BPF map opened by the agent: create, lookup, update, delete and key iteration through
 * bpf(2). Keys and values are raw bytes; decoding them is the sampler's business.
 */
import type { Sys } from '../sys/types.ts';
import { isSysError } from '../sys/errors.ts';
import { BpfCommand, UpdateFlag } from './bpf-commands.ts';
import { mapCreateAttr, mapElemAttr, type MapCreateAttr } from './bpf-attr.ts';

export class BpfMap {
  private constructor(
    private readonly sys: Sys,
    readonly fd: number,
    readonly spec: MapCreateAttr,
  ) {}

  static create(sys: Sys, spec: MapCreateAttr): BpfMap {
    const fd = sys.bpf(BpfCommand.MAP_CREATE, mapCreateAttr(spec));
    return new BpfMap(sys, fd, spec);
  }

  /** The value stored under `key`, or null when the key is absent. */
  lookup(key: Uint8Array): Uint8Array | null {
    const value = new Uint8Array(this.spec.valueSize);
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

  close(): void {
    this.sys.close(this.fd);
  }
}
