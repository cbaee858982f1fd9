/**
 * Reads a raw BTF blob (the `.BTF` section of an object, or /sys/kernel/btf/vmlinux) without
 * decoding its types: one pass over the type section, read as 32-bit words, finds where each
 * record starts and checks its kind, size, string offsets and type ids against the blob. A
 * corrupt input ends here in a BtfError naming the record (the decoder's own error for it),
 * never a loop or a RangeError. Records are decoded one at a time when asked for (decode.ts), so
 * the blob must not change after parsing. Where records start is kept for every 8th type id
 * only, and found for the others by walking at most 7 records from there: a kernel's 130,000
 * types then cost 64 KiB of index rather than 512 KiB.
 */
import { ByteReader } from '../bytes/byte-reader.ts';
import { decodeType } from './decode.ts';
import { BtfError } from './errors.ts';
import { type BtfType } from './kinds.ts';
import { StringTable } from './strings.ts';
import { Kind } from '../abi/btf-kinds.ts';

export const BTF_MAGIC = 0xeb9f;
/** The header's size in version 1: magic, version, flags, header length, then the two sections' offsets and lengths. */
export const BTF_HEADER_SIZE = 24;

/** A blob's whole size from its first BTF_HEADER_SIZE bytes (where its last section ends); null when they are not a BTF header. */
export function btfBlobSize(header: Uint8Array): number | null {
  if (header.length < BTF_HEADER_SIZE) return null;
  const view = new DataView(header.buffer, header.byteOffset, BTF_HEADER_SIZE);
  if (view.getUint16(0, true) !== BTF_MAGIC) return null;
  const headerLength = view.getUint32(4, true);
  const typesEnd = headerLength + view.getUint32(8, true) + view.getUint32(12, true);
  const stringsEnd = headerLength + view.getUint32(16, true) + view.getUint32(20, true);
  return Math.max(typesEnd, stringsEnd);
}

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export interface BtfBlob {
  strings: StringTable;
  /** Number of types, void (id 0) included. */
  count: number;
  /**
   * Index in `words` of the record of every CHECKPOINT_STRIDE-th type id: entry k is where type
   * k * CHECKPOINT_STRIDE starts (entry 0: where type 1 starts, void having no record). See
   * recordStart().
   */
  checkpoints: Uint32Array;
  /** The type section as little-endian 32-bit words (every record is a whole number of words). */
  words: Uint32Array;
  /** The type section, for the decoder. */
  typeSection: ByteReader;
  /** Offset of the type section in the blob. */
  typeStart: number;
}

/**
 * `checkedByKernel`: the blob is the running kernel's own BTF (/sys/kernel/btf/vmlinux), which
 * the kernel checked when it booted. Its records are then only measured, not checked member by
 * member (on a kernel's 100,000 types that is most of the work); decoding a record still checks
 * every read and string, and a type id out of range is still a typed error.
 */
export function parseBtfBlob(bytes: Uint8Array, checkedByKernel = false): BtfBlob {
  const r = new ByteReader(bytes, (s, o, p) => new BtfError(s, o, p));
  const magic = r.u16('header', 0);
  if (magic !== BTF_MAGIC) {
    throw new BtfError('header', 0, magic === 0x9feb ? 'big-endian BTF is not supported' : `bad magic 0x${magic.toString(16)}, expected 0xeb9f`);
  }
  const version = r.u8('header', 2);
  if (version !== 1) throw new BtfError('header', 2, `unsupported version ${version}`);
  const headerLength = r.u32('header', 4);
  if (headerLength < 24) throw new BtfError('header', 4, `header length ${headerLength} is shorter than 24 bytes`);
  r.check('header', 0, headerLength);
  const typeOffset = r.u32('header', 8);
  const typeLength = r.u32('header', 12);
  const stringOffset = r.u32('header', 16);
  const stringLength = r.u32('header', 20);
  const typeStart = headerLength + typeOffset;
  const stringStart = headerLength + stringOffset;
  r.check('type section', typeStart, typeLength);
  r.check('string section', stringStart, stringLength);
  if (typeOffset % 4 !== 0) throw new BtfError('header', 8, `type section offset ${typeOffset} is not 4-byte aligned`);

  const strings = new StringTable(r.slice('string section', stringStart, stringLength), stringStart);
  const typeSection = new ByteReader(r.slice('type section', typeStart, typeLength), (s, o, p) => new BtfError(s, typeStart + o, p));
  const words = littleEndianWords(typeSection.bytes);
  const decode = (id: number, word: number) => decodeType(typeSection, strings, id, word * 4, typeStart);
  const reject = (id: number, word: number): never => {
    decode(id, word);
    throw new BtfError(`type [${id}]`, typeStart + word * 4, 'is malformed');
  };
  const { checkpoints, count, largestReference } = checkedByKernel ? measureRecords(words, typeLength, reject) : indexRecords(words, typeLength, stringLength, reject);
  if (largestReference >= count) {
    for (let id = 1, word = 0; id < count; id++, word += recordLength(words, word)) checkReferences(decode(id, word), count);
    throw new BtfError('type section', typeStart, `refers to type [${largestReference}] but the BTF has only ${count} types`);
  }
  return { strings, count, checkpoints, words, typeSection, typeStart };
}

/** Type ids from one entry of `BtfBlob.checkpoints` to the next. */
export const CHECKPOINT_STRIDE = 8;

/** The length in words of the (already checked) record that starts at `word`. */
export function recordLength(words: Uint32Array, word: number): number {
  const info = words[word + 1]!;
  switch ((info >>> 24) & 0x1f) {
    case STRUCT: case UNION: case DATASEC: case ENUM64: return 3 + (info & 0xffff) * 3;
    case FUNC_PROTO: case ENUM: return 3 + (info & 0xffff) * 2;
    case INT: case VAR: case DECL_TAG: return 4;
    case ARRAY: return 6;
    default: return 3;
  }
}

/** Index in `blob.words` where the record of type `id` (1 to `blob.count - 1`) starts. */
export function recordStart(blob: BtfBlob, id: number): number {
  const block = Math.floor(id / CHECKPOINT_STRIDE);
  let word = blob.checkpoints[block]!;
  for (let at = Math.max(1, block * CHECKPOINT_STRIDE); at < id; at++) word += recordLength(blob.words, word);
  return word;
}

/** Decodes type `id`, which must be between 1 and `blob.count - 1`. */
export function decodeBlobType(blob: BtfBlob, id: number): BtfType {
  return decodeType(blob.typeSection, blob.strings, id, recordStart(blob, id) * 4, blob.typeStart);
}

/** The bytes as little-endian 32-bit words (a trailing partial word is left out): a view when the host allows one. */
function littleEndianWords(bytes: Uint8Array): Uint32Array {
  const count = bytes.length >>> 2;
  if (HOST_IS_LITTLE_ENDIAN) {
    const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice(0, count * 4);
    return new Uint32Array(aligned.buffer, aligned.byteOffset, count);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const words = new Uint32Array(count);
  for (let i = 0; i < count; i++) words[i] = view.getUint32(i * 4, true);
  return words;
}

interface RecordIndex {
  checkpoints: Uint32Array;
  count: number;
  /** The largest type id any record refers to. */
  largestReference: number;
}

// The kinds as plain constants, so the hot loop below compares numbers, not object properties.
const { INT, PTR, ARRAY, STRUCT, UNION, ENUM, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC, FUNC_PROTO, VAR, DATASEC, FLOAT, DECL_TAG, TYPE_TAG, ENUM64 } = Kind;

/**
 * Walks the records of a type section of `byteLength` bytes and checks what the decoder checks:
 * that each record fits, its kind is known, its string offsets are inside the string table and an
 * int's bits are valid. `reject` is called for the first record that fails, and must throw. The
 * cases are ordered by how often a kernel's BTF has each kind.
 */
function indexRecords(words: Uint32Array, byteLength: number, stringLength: number, reject: (id: number, word: number) => never): RecordIndex {
  const end = words.length;
  const limit = Math.ceil(byteLength / 4);
  const checkpoints = new Checkpoints(64);
  let count = 1;
  let largestReference = 0;
  for (let word = 0; word < limit; count++) {
    if (count % CHECKPOINT_STRIDE === 0) checkpoints.add(count, word);
    const body = word + 3;
    if (body > end) reject(count, word);
    const nameOffset = words[word]!;
    const info = words[word + 1]!;
    const kind = (info >>> 24) & 0x1f;
    let valid = nameOffset < stringLength || nameOffset === 0;
    let next = body;
    let reference = 0;
    switch (kind) {
      case FUNC:
        reference = words[word + 2]!;
        break;
      case FUNC_PROTO:
        next = body + (info & 0xffff) * 2;
        if (next > end) break;
        reference = words[word + 2]!;
        for (let p = body; p < next; p += 2) {
          const name = words[p]!;
          if (name >= stringLength && name !== 0) valid = false;
          if (words[p + 1]! > reference) reference = words[p + 1]!;
        }
        break;
      case PTR: case CONST: case TYPEDEF: case VOLATILE: case RESTRICT: case TYPE_TAG:
        reference = words[word + 2]!;
        break;
      case STRUCT: case UNION:
        next = body + (info & 0xffff) * 3;
        if (next > end) break;
        for (let m = body; m < next; m += 3) {
          const name = words[m]!;
          if (name >= stringLength && name !== 0) valid = false;
          if (words[m + 1]! > reference) reference = words[m + 1]!;
        }
        break;
      case ARRAY:
        next = body + 3;
        if (next > end) break;
        reference = Math.max(words[body]!, words[body + 1]!);
        break;
      case ENUM: case ENUM64: {
        const size = kind === ENUM ? 2 : 3;
        next = body + (info & 0xffff) * size;
        if (next > end) break;
        for (let v = body; v < next; v += size) {
          const name = words[v]!;
          if (name >= stringLength && name !== 0) valid = false;
        }
        break;
      }
      case VAR: case DECL_TAG:
        next = body + 1;
        reference = words[word + 2]!;
        break;
      case INT: {
        next = body + 1;
        if (next > end) break;
        const data = words[body]!;
        const bits = data & 0xff;
        if (bits > 128 || ((data >>> 16) & 0xff) + bits > 128) valid = false;
        break;
      }
      case FWD: case FLOAT:
        break;
      case DATASEC:
        next = body + (info & 0xffff) * 3;
        if (next > end) break;
        for (let e = body; e < next; e += 3) if (words[e]! > reference) reference = words[e]!;
        break;
      default:
        valid = false;
    }
    if (!valid || next > end) reject(count, word);
    if (reference > largestReference) largestReference = reference;
    word = next;
  }
  return { checkpoints: checkpoints.done(), count, largestReference };
}

/** Where each record starts, from each record's kind and vlen alone (see parseBtfBlob's `checkedByKernel`). */
function measureRecords(words: Uint32Array, byteLength: number, reject: (id: number, word: number) => never): RecordIndex {
  const end = words.length;
  const limit = Math.ceil(byteLength / 4);
  // A kernel's records average about 25 bytes: sized for that, the table rarely has to grow.
  const checkpoints = new Checkpoints(Math.ceil(byteLength / 24 / CHECKPOINT_STRIDE) + 1);
  let count = 1;
  for (let word = 0; word < limit; count++) {
    if (count % CHECKPOINT_STRIDE === 0) checkpoints.add(count, word);
    const info = words[word + 1]!;
    const vlen = info & 0xffff;
    let next = word + 3;
    switch ((info >>> 24) & 0x1f) {
      case STRUCT: case UNION: case DATASEC: case ENUM64: next += vlen * 3; break;
      case FUNC_PROTO: case ENUM: next += vlen * 2; break;
      case INT: case VAR: case DECL_TAG: next += 1; break;
      case ARRAY: next += 3; break;
      case PTR: case CONST: case TYPEDEF: case VOLATILE: case RESTRICT: case TYPE_TAG: case FUNC: case FWD: case FLOAT: break;
      default: reject(count, word);
    }
    if (next > end) reject(count, word);
    word = next;
  }
  return { checkpoints: checkpoints.done(), count, largestReference: 0 };
}

/** BtfBlob.checkpoints as the walk finds them: entry 0 is 0 (type 1 starts the section). */
class Checkpoints {
  private table: Uint32Array;
  private length = 1;

  constructor(capacity: number) {
    this.table = new Uint32Array(Math.max(2, capacity));
  }

  /** Type `id` (a multiple of CHECKPOINT_STRIDE) starts at `word`. */
  add(id: number, word: number): void {
    const entry = id / CHECKPOINT_STRIDE;
    if (entry === this.table.length) {
      const grown = new Uint32Array(this.table.length * 2);
      grown.set(this.table);
      this.table = grown;
    }
    this.table[entry] = word;
    this.length = entry + 1;
  }

  done(): Uint32Array {
    return this.table.subarray(0, this.length);
  }
}

/** Every type id `t` points at must be below `count`. */
function checkReferences(t: BtfType, count: number): void {
  const check = (ref: number, role: string) => {
    if (ref >= count) throw new BtfError(`type [${t.id}] ${role}`, t.at, `refers to type [${ref}] but the BTF has only ${count} types`);
  };
  switch (t.kind) {
    case Kind.PTR: case Kind.TYPEDEF: case Kind.VOLATILE: case Kind.CONST: case Kind.RESTRICT:
    case Kind.TYPE_TAG: case Kind.FUNC: case Kind.VAR: case Kind.DECL_TAG:
      check(t.type, 'type');
      break;
    case Kind.ARRAY:
      check(t.type, 'element type');
      check(t.indexType, 'index type');
      break;
    case Kind.STRUCT: case Kind.UNION:
      t.members.forEach((m, i) => check(m.type, `member ${i}`));
      break;
    case Kind.FUNC_PROTO:
      check(t.returnType, 'return type');
      t.params.forEach((p, i) => check(p.type, `param ${i}`));
      break;
    case Kind.DATASEC:
      t.entries.forEach((e, i) => check(e.type, `entry ${i}`));
      break;
  }
}
