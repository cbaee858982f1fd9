/**
 * Finds types by name without decoding names. Types are bucketed by the first four bytes of
 * their name, which a `___flavor` suffix leaves alone, so a lookup compares bytes only for the
 * types of one bucket. Names are compared as bytes, so queries are ASCII: a non-ASCII name can
 * decode from several byte sequences, and Btf answers those by decoding.
 */
import { recordLength, recordStart, type BtfBlob } from './parse.ts';

const UNDERSCORE = 0x5f;

function bucketOf(b0: number, b1: number, b2: number, b3: number): number {
  return ((b0 * 31 + b1) * 31 + b2) * 31 + b3;
}

/** The bucket key of a query: its first four bytes, zero after its end. */
function queryBucket(name: readonly number[]): number {
  const [b0 = 0, b1 = 0, b2 = 0, b3 = 0] = name;
  return bucketOf(b0, b1, b2, b3);
}

export class NameIndex {
  private readonly blob: BtfBlob;
  private readonly mask: number;
  /** Highest id of each bucket (0: empty); lower ids follow through `nextInBucket`. */
  private readonly firstInBucket: Uint32Array;
  private readonly nextInBucket: Uint32Array;

  constructor(blob: BtfBlob) {
    const { words, count } = blob;
    const strings = blob.strings.bytes;
    // About two types a bucket: a kernel's 100,000 types take 256 KiB of heads.
    let buckets = 1;
    while (buckets * 2 < count) buckets *= 2;
    const mask = buckets - 1;
    const first = new Uint32Array(buckets);
    const next = new Uint32Array(count);
    // Each id goes in front of its bucket's chain, so the chains run from the highest id down.
    for (let id = 1, word = 0; id < count; id++, word += recordLength(words, word)) {
      const offset = words[word]!;
      const b0 = strings[offset] ?? 0;
      if (b0 === 0) continue;
      // The string table ends with a NUL, so every read up to this name's NUL is in range.
      const b1 = strings[offset + 1]!;
      const b2 = b1 === 0 ? 0 : strings[offset + 2]!;
      const b3 = b2 === 0 ? 0 : strings[offset + 3]!;
      const bucket = bucketOf(b0, b1, b2, b3) & mask;
      next[id] = first[bucket]!;
      first[bucket] = id;
    }
    this.blob = blob;
    this.mask = mask;
    this.firstInBucket = first;
    this.nextInBucket = next;
  }

  /**
   * Ids, in increasing order, of the types named `name` (ASCII codes, not empty); with `flavored`,
   * also of those whose name is `name`, `___` and more (the caller decides which are flavors).
   */
  lookup(name: readonly number[], flavored: boolean): number[] {
    const bucket = queryBucket(name) & this.mask;
    const found = this.collect(bucket, name, flavored);
    if (!flavored || name.length >= 4) return found;
    const flavorBucket = queryBucket([...name, UNDERSCORE, UNDERSCORE, UNDERSCORE]) & this.mask;
    if (flavorBucket === bucket) return found;
    return [...found, ...this.collect(flavorBucket, name, true)].sort((a, b) => a - b);
  }

  /** The ids of one bucket that match, in increasing order. */
  private collect(bucket: number, name: readonly number[], flavored: boolean): number[] {
    const { words } = this.blob;
    const strings = this.blob.strings.bytes;
    const n = name.length;
    const found: number[] = [];
    for (let id = this.firstInBucket[bucket]!; id !== 0; id = this.nextInBucket[id]!) {
      const offset = words[recordStart(this.blob, id)]!;
      let i = 0;
      while (i < n && strings[offset + i] === name[i]) i++;
      if (i < n) continue;
      // The string table ends with a NUL, so these reads stop inside it.
      const after = offset + n;
      const exact = strings[after] === 0;
      const withFlavor = flavored && strings[after] === UNDERSCORE && strings[after + 1] === UNDERSCORE && strings[after + 2] === UNDERSCORE && (strings[after + 3] ?? 0) !== 0;
      if (exact || withFlavor) found.push(id);
    }
    return found.reverse();
  }
}
