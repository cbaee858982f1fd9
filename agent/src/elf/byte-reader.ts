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

/** Decodes UTF-8 without TextDecoder (QuickJS has none); invalid sequences become U+FFFD. */
export function decodeUtf8(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    if (b < 0x80) {
      out += String.fromCharCode(b);
      i++;
      continue;
    }
    const extra = b >= 0xf0 && b < 0xf5 ? 3 : b >= 0xe0 && b < 0xf0 ? 2 : b >= 0xc2 && b < 0xe0 ? 1 : 0;
    let code = b & (0x3f >> extra);
    let valid = extra > 0;
    for (let k = 1; valid && k <= extra; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) valid = false;
      else code = (code << 6) | (c & 0x3f);
    }
    if (!valid || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
      out += '\ufffd';
      i++;
      continue;
    }
    out += String.fromCodePoint(code);
    i += extra + 1;
  }
  return out;
}

/** Reads the NUL-terminated string starting at `offset` in `table`; null if unterminated or out of range. */
export function cStringAt(table: Uint8Array, offset: number): string | null {
  if (!Number.isInteger(offset) || offset < 0 || offset >= table.length) return null;
  const end = table.indexOf(0, offset);
  if (end < 0) return null;
  return decodeUtf8(table.subarray(offset, end));
}
