/**
 * Plain CBOR (RFC 8949: definite lengths, shortest heads, no tags) written straight into one
 * reusable buffer that grows as needed, for the per-record path: no tree of Maps and arrays is
 * built for an encoder to walk. Its bytes are those cbor.ts's cbor-x configuration writes for the
 * same values: integral numbers within ±2^64 are CBOR integers (beyond 32 bits in the 8-byte
 * form), other numbers float64, bigints the 8-byte form; texts UTF-8 (a lone surrogate becomes
 * U+FFFD). `take()` copies the result out once, with free bytes in front for a frame header.
 */
import { encodeUtf8 } from '../bytes/utf8.ts';

const MAJOR_UINT = 0;
const MAJOR_NEGATIVE = 1;
const MAJOR_BYTES = 2;
const MAJOR_TEXT = 3;
const MAJOR_ARRAY = 4;
const MAJOR_MAP = 5;
const TWO_32 = 4294967296;
const TWO_53 = 9007199254740992;
const TWO_64 = 18446744073709551616;

/**
 * Encoded text items by their text, for texts of 3 to 32 characters: a lookup and one copy cost
 * less on QuickJS than a loop over the characters. Bounded: cleared when full.
 */
const MIN_CACHED_TEXT = 3;
const MAX_CACHED_TEXT = 32;
const MAX_CACHED_TEXTS = 256;
const texts = new Map<string, Uint8Array>();

export class CborWriter {
  private bytes = new Uint8Array(2048);
  private view = new DataView(this.bytes.buffer);
  private position = 0;
  /** Where the item started: free bytes before it are left for a frame header. */
  private start = 0;

  /** Starts a new item, at the front of the buffer or after `headroom` free bytes. */
  reset(headroom = 0): void {
    if (headroom > this.bytes.length) this.room(headroom);
    this.start = headroom;
    this.position = headroom;
  }

  /**
   * The bytes written since reset(), copied into a buffer of their own after `headroom` free
   * bytes: in one copy when reset() left that headroom in front.
   */
  take(headroom: number): Uint8Array {
    if (headroom === this.start) return this.bytes.slice(0, this.position).subarray(headroom);
    const out = new Uint8Array(headroom + this.position - this.start);
    out.set(this.bytes.subarray(this.start, this.position), headroom);
    return out.subarray(headroom);
  }

  /** Bytes written since reset(), as a view into the buffer (valid until the next write). */
  written(): Uint8Array {
    return this.bytes.subarray(this.start, this.position);
  }

  /** Bytes already encoded (a cached run of items), copied as they are. */
  raw(bytes: Uint8Array): void {
    if (this.position + bytes.length > this.bytes.length) this.room(bytes.length);
    this.bytes.set(bytes, this.position);
    this.position += bytes.length;
  }

  private room(count: number): void {
    if (this.position + count <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.position + count) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.bytes.subarray(0, this.position));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }

  /** A head: major type and an argument from 0 to 2^64 - 1 held exactly by a number. */
  private head(major: number, value: number): void {
    if (this.position + 9 > this.bytes.length) this.room(9);
    const type = major << 5;
    const at = this.position;
    if (value < 24) {
      this.bytes[at] = type | value;
      this.position = at + 1;
    } else if (value < 0x100) {
      this.bytes[at] = type | 24;
      this.bytes[at + 1] = value;
      this.position = at + 2;
    } else if (value < 0x10000) {
      this.bytes[at] = type | 25;
      this.view.setUint16(at + 1, value);
      this.position = at + 3;
    } else if (value < TWO_32) {
      this.bytes[at] = type | 26;
      this.view.setUint32(at + 1, value);
      this.position = at + 5;
    } else {
      const high = Math.floor(value / TWO_32);
      this.wide(type, high, value - high * TWO_32);
    }
  }

  /** The 8-byte form, from its high and low 32-bit halves. */
  private wide(type: number, high: number, low: number): void {
    this.room(9);
    const at = this.position;
    this.bytes[at] = type | 27;
    this.view.setUint32(at + 1, high);
    this.view.setUint32(at + 5, low);
    this.position = at + 9;
  }

  arrayHead(length: number): void {
    this.head(MAJOR_ARRAY, length);
  }

  mapHead(length: number): void {
    this.head(MAJOR_MAP, length);
  }

  /**
   * An array of texts and numbers (a composite key), as arrayHead(), text() and number() write
   * it, in one call: small unsigned integers and texts already encoded are copied without one.
   */
  textsAndNumbers(parts: ReadonlyArray<string | number>): void {
    const length = parts.length;
    this.arrayHead(length);
    for (let i = 0; i < length; i++) {
      const part = parts[i]!;
      if (typeof part === 'number') {
        const at = this.position;
        if (part >>> 0 === part && part < 0x100 && at + 2 <= this.bytes.length) {
          const bytes = this.bytes;
          if (part < 24) {
            bytes[at] = part;
            this.position = at + 1;
          } else {
            bytes[at] = 24;
            bytes[at + 1] = part;
            this.position = at + 2;
          }
        } else this.number(part);
        continue;
      }
      const item = texts.get(part);
      const at = this.position;
      if (item !== undefined && at + item.length <= this.bytes.length) {
        this.bytes.set(item, at);
        this.position = at + item.length;
      } else this.text(part);
    }
  }

  /** `values[start]` to `values[end - 1]`, each as number() writes it, in one call. */
  numbers(values: ArrayLike<number>, start: number, end: number): void {
    let bytes = this.bytes;
    let at = this.position;
    for (let i = start; i < end; i++) {
      const value = values[i]!;
      if (value >>> 0 === value && value < 0x10000 && at + 3 <= bytes.length) {
        if (value < 24) bytes[at++] = value;
        else if (value < 0x100) {
          bytes[at++] = 24;
          bytes[at++] = value;
        } else {
          bytes[at++] = 25;
          bytes[at++] = value >> 8;
          bytes[at++] = value & 0xff;
        }
        continue;
      }
      this.position = at;
      this.number(value);
      bytes = this.bytes;
      at = this.position;
    }
    this.position = at;
  }

  /** Two numbers, as number() writes them, in one call (a map's label and its value): a small first one costs one step. */
  pair(first: number, second: number): void {
    if (first >>> 0 === first && first < 24) {
      const at = this.position;
      if (at + 1 > this.bytes.length) this.room(1);
      this.bytes[at] = first;
      this.position = at + 1;
    } else this.number(first);
    this.number(second);
  }

  /** An integral number within ±2^64 as a CBOR integer, any other number as float64. */
  number(value: number): void {
    // The common cases, unsigned integers below 2^32 (`>>> 0` keeps exactly those), in one step
    // (QuickJS looks properties up by name: read each once).
    if (value >>> 0 === value) {
      const bytes = this.bytes;
      const at = this.position;
      if (at + 5 <= bytes.length) {
        if (value < 24) {
          bytes[at] = value;
          this.position = at + 1;
        } else if (value < 0x100) {
          bytes[at] = 24;
          bytes[at + 1] = value;
          this.position = at + 2;
        } else if (value < 0x10000) {
          bytes[at] = 25;
          bytes[at + 1] = value >> 8;
          bytes[at + 2] = value & 0xff;
          this.position = at + 3;
        } else {
          bytes[at] = 26;
          bytes[at + 1] = value >>> 24;
          bytes[at + 2] = (value >> 16) & 0xff;
          bytes[at + 3] = (value >> 8) & 0xff;
          bytes[at + 4] = value & 0xff;
          this.position = at + 5;
        }
        return;
      }
    }
    if (Number.isInteger(value)) {
      if (value >= 0 && value < TWO_64) return this.head(MAJOR_UINT, value);
      if (value < 0 && value >= -TWO_64) return this.negative(-value);
    }
    this.room(9);
    this.bytes[this.position] = 0xfb;
    this.view.setFloat64(this.position + 1, value);
    this.position += 9;
  }

  /** -magnitude, written as its argument magnitude - 1 (exact past 2^53 by borrowing from the high half). */
  private negative(magnitude: number): void {
    if (magnitude <= TWO_53) return this.head(MAJOR_NEGATIVE, magnitude - 1);
    const high = Math.floor(magnitude / TWO_32);
    const low = magnitude - high * TWO_32;
    if (low === 0) this.wide(MAJOR_NEGATIVE << 5, high - 1, TWO_32 - 1);
    else this.wide(MAJOR_NEGATIVE << 5, high, low - 1);
  }

  /** A bigint within ±2^64, always in the 8-byte form. */
  bigint(value: bigint): void {
    const negative = value < 0n;
    const argument = negative ? -value - 1n : value;
    this.wide((negative ? MAJOR_NEGATIVE : MAJOR_UINT) << 5, Number(argument >> 32n), Number(argument & 0xffffffffn));
  }

  text(value: string): void {
    const length = value.length;
    // Keys and field names come back record after record: their encoded items are kept.
    if (length >= MIN_CACHED_TEXT && length <= MAX_CACHED_TEXT) {
      let item = texts.get(value);
      if (item === undefined) {
        const start = this.position;
        this.uncachedText(value, length);
        item = this.bytes.slice(start, this.position);
        if (texts.size >= MAX_CACHED_TEXTS) texts.clear();
        texts.set(value, item);
        return;
      }
      const at = this.position;
      if (at + item.length > this.bytes.length) this.room(item.length);
      this.bytes.set(item, at);
      this.position = at + item.length;
      return;
    }
    this.uncachedText(value, length);
  }

  private uncachedText(value: string, length: number): void {
    if (this.position + length + 9 > this.bytes.length) this.room(length + 9);
    // Most texts are ASCII: then the byte length is the string length, and the head goes first.
    const start = this.position;
    const bytes = this.bytes;
    let at = start;
    if (length < 24) bytes[at++] = (MAJOR_TEXT << 5) | length;
    else {
      this.head(MAJOR_TEXT, length);
      at = this.position;
    }
    for (let i = 0; i < length; i++) {
      const code = value.charCodeAt(i);
      if (code >= 0x80) {
        this.position = start;
        return this.byteItem(MAJOR_TEXT, encodeUtf8(value));
      }
      bytes[at++] = code;
    }
    this.position = at;
  }

  byteString(value: Uint8Array): void {
    this.byteItem(MAJOR_BYTES, value);
  }

  private byteItem(major: number, value: Uint8Array): void {
    this.head(major, value.length);
    this.room(value.length);
    this.bytes.set(value, this.position);
    this.position += value.length;
  }

  boolean(value: boolean): void {
    this.room(1);
    this.bytes[this.position++] = value ? 0xf5 : 0xf4;
  }

  null(): void {
    this.room(1);
    this.bytes[this.position++] = 0xf6;
  }
}
