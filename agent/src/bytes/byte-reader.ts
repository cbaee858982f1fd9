/**
 * A bounds-checked little-endian reader over a byte range. Every read names the structure it
 * belongs to, so an out-of-range read becomes a typed error instead of a RangeError. Byte ranges
 * are returned as subarray views over the input, never copies.
 */
import { MoteError } from '../errors.ts';

/** Builds the error a reader throws; each format (ELF, BTF) supplies its own error class. */
export type ReadErrorFactory = (structure: string, offset: number, problem: string) => MoteError;

export class ByteReader {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  private readonly fail: ReadErrorFactory;

  constructor(bytes: Uint8Array, fail: ReadErrorFactory) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.fail = fail;
  }

  get length(): number {
    return this.bytes.byteLength;
  }

  /** Throws unless `size` bytes starting at `offset` lie inside the input. */
  check(structure: string, offset: number, size: number): void {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(size) || offset < 0 || size < 0 || offset + size > this.bytes.byteLength) {
      throw this.fail(structure, offset, `needs ${size} bytes but the input has ${this.bytes.byteLength}`);
    }
  }

  error(structure: string, offset: number, problem: string): MoteError {
    return this.fail(structure, offset, problem);
  }

  u8(structure: string, offset: number): number {
    this.check(structure, offset, 1);
    return this.view.getUint8(offset);
  }

  u16(structure: string, offset: number): number {
    this.check(structure, offset, 2);
    return this.view.getUint16(offset, true);
  }

  u32(structure: string, offset: number): number {
    this.check(structure, offset, 4);
    return this.view.getUint32(offset, true);
  }

  i32(structure: string, offset: number): number {
    this.check(structure, offset, 4);
    return this.view.getInt32(offset, true);
  }

  u64(structure: string, offset: number): bigint {
    this.check(structure, offset, 8);
    return this.view.getBigUint64(offset, true);
  }

  /** A 64-bit field that must fit a JS number (file offsets and sizes). */
  u64Number(structure: string, offset: number): number {
    const value = this.u64(structure, offset);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw this.fail(structure, offset, `value ${value} is too large`);
    return Number(value);
  }

  /** A view of `size` bytes at `offset`. */
  slice(structure: string, offset: number, size: number): Uint8Array {
    this.check(structure, offset, size);
    return this.bytes.subarray(offset, offset + size);
  }
}
