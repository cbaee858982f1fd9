/**
 * Compiled cells: for one map's (key type, value type, per-CPU copies, value fields) the whole
 * way from an entry's bytes to the `[key, number]` cells a counter, gauge or top record carries
 * is written out once as JavaScript and compiled with `new Function`. The key's leaves are read
 * straight into the key the record keeps (flattened as recordKey() flattens), and each numeric
 * field of the value straight into its cell (as numericCells() picks them): no decoded key or
 * value object is built on the way. The expressions are compiled-decoder.ts's, so every leaf
 * decodes exactly as there (64-bit values past 2^53 as decimal text, then a number as
 * numericCells() makes it; bitfields, enums, hints, per-CPU sums). A shape this does not flatten
 * statically (a large array in a key, member names that repeat) gets null, and the caller keeps
 * the decode-then-flatten path, which is the reference the tests hold this to. Pure.
 */
import type { Btf } from '../../btf/btf.ts';
import { IntEncoding, Kind } from '../../abi/btf-kinds.ts';
import { isCharLike, MAX_DEPTH, wrappedType, type JsonValue } from './btf-value.ts';
import { DecoderSource, decoderHelpers, WORDS_ARE_LITTLE_ENDIAN, wordsOf } from './compiled-decoder.ts';
import type { MemberHints } from './field-hints.ts';
import { asNumber } from './map-records.ts';
import type { Key } from './records.ts';

/** Appends the cells of the entry whose key is at `ko` of `kb` (`kv` its view) and value at `o` of `b` (`v`) to `out`. */
type CellsFunction = (kv: DataView, kb: Uint8Array, ko: number, ke: number, v: DataView, b: Uint8Array, o: number, e: number, out: Array<[Key, number]>, kw?: Uint32Array, vw?: Uint32Array) => void;

/**
 * The cells function, and where the shape reads 32-bit integers on a little-endian machine, a
 * variant for entries whose offsets are all 4-byte aligned: it reads those as elements of the
 * buffers' 32-bit words `kw` and `vw`.
 */
export type CompiledCells = CellsFunction & { aligned?: CellsFunction };

/** Characters of element code a key's array may repeat inline (as compiled-decoder.ts inlines arrays). */
const INLINE_ARRAY_SOURCE = 4096;

/** A member name that would enumerate out of declaration order (an array index) or not as an own key. */
const REORDERED_NAME = /^(0|[1-9]\d*)$|^__proto__$/;

/** numericCells()'s last step, for values whose fields may or may not be numbers at run time. */
function cells(out: Array<[Key, number]>, key: Key, names: string[], numbers: Array<number | null>): void {
  const present: number[] = [];
  for (let i = 0; i < numbers.length; i++) if (numbers[i] !== null) present.push(i);
  if (present.length === 1) {
    out.push([key, numbers[present[0]!]!]);
    return;
  }
  const prefix = Array.isArray(key) ? key : [key];
  for (const i of present) out.push([[...prefix, names[i]!], numbers[i]!]);
}

const helpers = { ...decoderHelpers, num: (value: JsonValue) => asNumber(value), cells };

/** Member names of a struct or union as decoded objects carry them, or null when they do not enumerate in declaration order. */
function orderedNames(members: Array<{ name: string }>): string[] | null {
  const names = members.map((m, i) => m.name || `__anon${i}`);
  if (new Set(names).size !== names.length || names.some((name) => REORDERED_NAME.test(name))) return null;
  return names;
}

/** The type a value of `typeId` at `depth` decodes as, past typedefs and modifiers, or null once it is past MAX_DEPTH (a hex leaf). */
function unwrapped(btf: Btf, typeId: number, depth: number): { id: number; depth: number } | null {
  for (;;) {
    if (depth > MAX_DEPTH) return null;
    const wrapped = wrappedType(btf.type(typeId));
    if (wrapped === null) return { id: typeId, depth };
    typeId = wrapped;
    depth++;
  }
}

/** How a leaf turns into a cell's number: `exact` kinds always give one, `maybe` kinds only some values. */
type LeafClass = 'bool' | 'exact' | 'maybe';

class CellsSource {
  private readonly key: DecoderSource;
  private readonly value: DecoderSource;

  /** `wordReads`: for the variant called with aligned offsets and the buffers' 32-bit words (compiled-decoder.ts). */
  constructor(private readonly btf: Btf, private readonly pointerSize: number, hints: MemberHints | null, slots: number, stride: number, wordReads = false) {
    // One function reads both: the key's and the value's expressions share their constants.
    this.key = new DecoderSource(btf, pointerSize, hints);
    this.value = new DecoderSource(btf, pointerSize, hints, slots, stride, this.key.constants);
    this.key.wordReads = wordReads;
    this.value.wordReads = wordReads;
  }

  get constants(): unknown[] {
    return this.key.constants;
  }

  /** Whether the expressions refer to element functions, which this does not compile. */
  get usesElements(): boolean {
    return this.key.functions.length > 0 || this.value.functions.length > 0;
  }

  /**
   * Pushes the expressions of the leaves recordKey() would flatten the value of `typeId` at
   * `o + add` into, in order (booleans as 1 or 0); false when the shape is not flattened here.
   */
  keyLeaves(typeId: number, add: number, depth: number, out: string[]): boolean {
    const found = unwrapped(this.btf, typeId, depth);
    if (!found) {
      out.push(this.key.value(typeId, add, depth));
      return true;
    }
    const t = this.btf.type(found.id);
    if (t.kind === Kind.INT && t.encoding & IntEncoding.BOOL) {
      out.push(`(${this.key.value(found.id, add, found.depth)}?1:0)`);
      return true;
    }
    if (t.kind === Kind.ARRAY) {
      // A char array is one text, even an empty one; any other empty array flattens to nothing.
      if (isCharLike(this.btf.skipModsAndTypedefs(t.type))) {
        out.push(this.key.value(found.id, add, found.depth));
        return true;
      }
      if (t.count === 0) return true;
      const size = this.btf.resolveSize(t.type, this.pointerSize);
      if (this.key.value(t.type, add, found.depth + 1).length * t.count > INLINE_ARRAY_SOURCE) return false;
      for (let i = 0; i < t.count; i++) if (!this.keyLeaves(t.type, add + i * size, found.depth + 1, out)) return false;
      return true;
    }
    if (t.kind === Kind.STRUCT || t.kind === Kind.UNION) {
      if (!orderedNames(t.members)) return false;
      for (let index = 0; index < t.members.length; index++) {
        const member = t.members[index]!;
        const leaf = this.key.memberLeaf(t, index, add);
        if (leaf !== null) out.push(leaf);
        else if (!this.keyLeaves(member.type, add + member.bitOffset / 8, found.depth + 1, out)) return false;
      }
      return true;
    }
    out.push(this.key.value(found.id, add, found.depth));
    return true;
  }

  /** What a decoded value of `typeId` at `depth` is: an object, an array (neither gives a number) or a leaf of some class. */
  private shape(typeId: number, depth: number): 'object' | 'array' | LeafClass {
    const found = unwrapped(this.btf, typeId, depth);
    if (!found) return 'maybe';
    const t = this.btf.type(found.id);
    switch (t.kind) {
      case Kind.STRUCT:
      case Kind.UNION:
        return 'object';
      case Kind.ARRAY:
        return isCharLike(this.btf.skipModsAndTypedefs(t.type)) ? 'maybe' : 'array';
      case Kind.INT:
        return t.encoding & IntEncoding.BOOL ? 'bool' : 'exact';
      case Kind.PTR:
        return 'exact';
      case Kind.FLOAT:
        return t.size === 4 || t.size === 8 ? 'exact' : 'maybe';
      default:
        return 'maybe';
    }
  }

  /** `expression` as a cell's number: exact ones inline, the others through numericCells()'s rule (null when not a number). */
  private number(expression: string, leaf: LeafClass): string {
    if (leaf === 'bool') return `(${expression}?1:0)`;
    if (leaf === 'exact') return `(typeof (r=${expression})==='number'?r:h.num(r))`;
    return `h.num(${expression})`;
  }

  /** Statements pushing the cells of the value of `typeId` at `o`, with `key` the record key's expression and `leaves` its parts. */
  valueCells(typeId: number, leaves: string[], only: string[] | undefined): string | null {
    const key = leaves.length === 1 ? leaves[0]! : `[${leaves.join(',')}]`;
    const found = unwrapped(this.btf, typeId, 0);
    const t = found ? this.btf.type(found.id) : null;
    if (!found || !t || (t.kind !== Kind.STRUCT && t.kind !== Kind.UNION)) {
      const shape = this.shape(typeId, 0);
      if (shape === 'object' || shape === 'array') return '';
      const number = this.number(this.value.value(typeId, 0, 0), shape);
      return shape === 'maybe' ? `d=${number};if(d!==null)out.push([${key},d]);` : `out.push([${key},${number}]);`;
    }
    const names = orderedNames(t.members);
    if (!names) return null;
    const picked: Array<{ name: string; number: string; leaf: LeafClass }> = [];
    t.members.forEach((member, index) => {
      const name = names[index]!;
      if (only && !only.includes(name)) return;
      const leaf = this.value.memberLeaf(t, index, 0);
      const shape: 'object' | 'array' | LeafClass = leaf !== null ? (member.bitfieldSize > 0 || member.bitOffset % 8 !== 0 ? 'exact' : 'maybe') : this.shape(member.type, found.depth + 1);
      if (shape === 'object' || shape === 'array') return;
      picked.push({ name, leaf: shape, number: this.number(leaf ?? this.value.value(member.type, member.bitOffset / 8, found.depth + 1), shape) });
    });
    if (picked.some((p) => p.leaf === 'maybe')) {
      return `h.cells(out,${key},${JSON.stringify(picked.map((p) => p.name))},[${picked.map((p) => p.number).join(',')}]);`;
    }
    if (picked.length === 0) return '';
    if (picked.length === 1) return `out.push([${key},${picked[0]!.number}]);`;
    // Each cell keeps a key of its own: the key's parts and the field's name.
    const numbers = picked.map((p, i) => `const n${i}=${p.number};`).join('');
    return `${numbers}out.push(${picked.map((p, i) => `[[${[...leaves, JSON.stringify(p.name)].join(',')}],n${i}]`).join(',')});`;
  }
}

/**
 * Compiles the cells of entries with key `keyTypeId` and value `valueTypeId` (`slots` per-CPU
 * copies `stride` bytes apart, summed; `only` narrows the value's fields), or null when the
 * shape is one for the generic path. Throws the BtfTypeError decoding would throw.
 */
export function compileCells(btf: Btf, keyTypeId: number, valueTypeId: number, pointerSize: number, hints: MemberHints | null, only: string[] | undefined, slots = 1, stride = 0): CompiledCells | null {
  const compile = (wordReads: boolean): { cells: CellsFunction; source: string } | null => {
    const source = new CellsSource(btf, pointerSize, hints, slots, stride, wordReads);
    const leaves: string[] = [];
    if (!source.keyLeaves(keyTypeId, 0, 0, leaves)) return null;
    const body = source.valueCells(valueTypeId, leaves.map((_, i) => `k${i}`), only);
    if (body === null || source.usesElements) return null;
    // The key's leaves are read first, with the key's buffer in v, b, o, e and w; then those name the value's.
    const keyLeaves = leaves.map((leaf, i) => `const k${i}=${leaf};`).join('');
    const text = `function(v,b,o,e,vv,vb,vo,ve,out,w,vw){let t,x,n,s,r,d;${keyLeaves}v=vv;b=vb;o=vo;e=ve;w=vw;${body}}`;
    return { cells: new Function('h', 'c', `return ${text};`)(helpers, source.constants) as CellsFunction, source: text };
  };
  const generic = compile(false);
  if (!generic) return null;
  const cells: CompiledCells = generic.cells;
  if (WORDS_ARE_LITTLE_ENDIAN && /v\.get(Ui|I)nt32\(/.test(generic.source)) cells.aligned = compile(true)!.cells;
  return cells;
}

/** `count` entries read together, keys `keyStride` and values `valueStride` bytes apart (map.ts's MapChunk). */
interface EntryChunk {
  keys: Uint8Array;
  values: Uint8Array;
  count: number;
}

/** Runs compiled cells over chunks of entries, with a DataView per buffer kept while the buffer is (batch buffers are reused). */
export class CellsRunner {
  private keyView: DataView = new DataView(new ArrayBuffer(0));
  private keyBytes: Uint8Array = new Uint8Array(0);
  private valueView: DataView = new DataView(new ArrayBuffer(0));
  private valueBytes: Uint8Array = new Uint8Array(0);
  private keyWords: Uint32Array = new Uint32Array(0);
  private valueWords: Uint32Array = new Uint32Array(0);

  /** `valueSize`: the bytes of one value (of the first per-CPU copy); `valueStride`: from one entry's value to the next. */
  constructor(private readonly cells: CompiledCells, private readonly keySize: number, private readonly valueSize: number, private readonly valueStride: number) {}

  run(chunks: EntryChunk[]): Array<[Key, number]> {
    const out: Array<[Key, number]> = [];
    for (const { keys, values, count } of chunks) {
      if (this.keyView.buffer !== keys.buffer) {
        this.keyView = new DataView(keys.buffer);
        this.keyBytes = new Uint8Array(keys.buffer);
        this.keyWords = wordsOf(keys.buffer);
      }
      if (this.valueView.buffer !== values.buffer) {
        this.valueView = new DataView(values.buffer);
        this.valueBytes = new Uint8Array(values.buffer);
        this.valueWords = wordsOf(values.buffer);
      }
      // Locals: QuickJS looks each property up by name, every entry.
      const { keyView, keyBytes, keyWords, valueView, valueBytes, valueWords, keySize, valueSize, valueStride } = this;
      let ko = keys.byteOffset;
      let vo = values.byteOffset;
      // Every entry's key and value start 4-byte aligned, or the variant with DataView reads runs.
      const aligned = this.cells.aligned !== undefined && ((ko | vo | keySize | valueStride) & 3) === 0;
      const cells = aligned ? this.cells.aligned! : this.cells;
      for (let i = 0; i < count; i++, ko += keySize, vo += valueStride) cells(keyView, keyBytes, ko, ko + keySize, valueView, valueBytes, vo, vo + valueSize, out, keyWords, valueWords);
    }
    return out;
  }
}
