/**
 * The BTF string table: NUL-terminated names addressed by byte offset. Lookups are cached, so a
 * name shared by thousands of types is decoded once.
 */
import { BtfError } from './errors.ts';
import { cStringAt } from '../bytes/c-string.ts';

export class StringTable {
  readonly bytes: Uint8Array;
  private readonly fileOffset: number;
  private readonly cache = new Map<number, string>();

  constructor(bytes: Uint8Array, fileOffset: number) {
    if (bytes.length > 0 && (bytes[0] !== 0 || bytes[bytes.length - 1] !== 0)) {
      throw new BtfError('string table', fileOffset, 'must start and end with a NUL byte');
    }
    this.bytes = bytes;
    this.fileOffset = fileOffset;
  }

  /** The string at `offset`; throws a BtfError naming `structure` if the offset is out of range. */
  get(offset: number, structure: string): string {
    const cached = this.cache.get(offset);
    if (cached !== undefined) return cached;
    const value = offset === 0 && this.bytes.length === 0 ? '' : cStringAt(this.bytes, offset);
    if (value === null) throw this.outside(offset, structure);
    this.cache.set(offset, value);
    return value;
  }

  /** `offset`, checked to start a string of the table without decoding it (throws as get does). */
  checked(offset: number, structure: string): number {
    if (offset < this.bytes.length || (offset === 0 && this.bytes.length === 0)) return offset;
    throw this.outside(offset, structure);
  }

  private outside(offset: number, structure: string): BtfError {
    return new BtfError(structure, this.fileOffset, `string offset ${offset} is outside the ${this.bytes.length}-byte string table`);
  }
}
