/**
 * Compiled decoders: for one (BTF type, pointer size) the walk of btf-value.ts is done once, and
 * what it would do to any bytes is written out as JavaScript source and compiled with `new
 * Function` (QuickJS compiles it as V8 does). A struct becomes one object literal whose members
 * are DataView reads at fixed offsets; 64-bit integers are two 32-bit reads and a float add, exact
 * below 2^53, with a BigInt only for the rare value beyond (which decodes to its decimal text, as
 * the reference does). Large arrays loop over an element function. The values are those of
 * BtfValueDecoder, the reference the fuzz test holds them to. Pure.
 */
import type { Btf } from '../../btf/btf.ts';
import type { TypeOfKind } from '../../btf/kinds.ts';
import { decodeCString } from '../../bytes/c-string.ts';
import { IntEncoding, Kind } from '../../abi/btf-kinds.ts';
import { jsonInteger } from '../../bytes/json-integer.ts';
import { bitfield, hexBytes, integer, isCharLike, MAX_DEPTH, memberBits, wrappedType, type JsonValue } from './btf-value.ts';
import { formatHinted, type FormatHint, type MemberHints } from './field-hints.ts';
import { sumValues } from './per-cpu-sum.ts';

/**
 * The value of one type at `offset` of `view` (whose bytes are `bytes`); unknown kinds show as
 * hex up to `end`. `words`, the same buffer as 32-bit words, lets a value at a 4-byte aligned
 * offset read its aligned 32-bit integers as array elements instead of DataView calls.
 */
export type CompiledDecoder = (view: DataView, bytes: Uint8Array, offset: number, end: number, words?: Uint32Array) => JsonValue;

/** Whether this machine stores integers little end first, as the DataView reads here assume: then 32-bit words read the same. */
export const WORDS_ARE_LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/** `buffer` as whole 32-bit words (its trailing bytes left out). */
export function wordsOf(buffer: ArrayBufferLike): Uint32Array {
  return new Uint32Array(buffer, 0, buffer.byteLength >> 2);
}

/** Characters of element code an array may repeat inline before it becomes a loop. */
const INLINE_ARRAY_SOURCE = 4096;

const fromCharCodes = String.fromCharCode;
const NOT_ASCII = /[^\x00-\x7f]/;

/** What generated code calls for the rare shapes. */
export const decoderHelpers = {
  add: sumValues,
  integer: (view: DataView, at: number, size: number, signed: boolean) => jsonInteger(integer(view, at, size, signed)),
  bits: (view: DataView, first: number, span: number, shift: number, width: number) => jsonInteger(bitfield(view, first, span, shift, width)),
  hex: (bytes: Uint8Array, start: number, end: number) => hexBytes(bytes.subarray(start, end)),
  hinted: (hint: FormatHint, bytes: Uint8Array, start: number, end: number) => formatHinted(hint, bytes.subarray(start, end)),
  /**
   * A char array: ASCII up to the first NUL taken in one call (one character per byte), anything
   * else through UTF-8. QuickJS runs a byte loop in bytecode, and a string built a character at a
   * time costs a string per character.
   */
  text: (bytes: Uint8Array, start: number, end: number) => {
    let nul = bytes.indexOf(0, start);
    if (nul < 0 || nul > end) nul = end;
    const text = fromCharCodes.apply(null, bytes.subarray(start, nul) as unknown as number[]);
    return NOT_ASCII.test(text) ? decodeCString(bytes.subarray(start, end)) : text;
  },
  list: (element: CompiledDecoder, view: DataView, bytes: Uint8Array, start: number, count: number, size: number, end: number) => {
    const out: JsonValue[] = [];
    for (let i = 0; i < count; i++) out.push(element(view, bytes, start + i * size, end));
    return out;
  },
};

/** An offset expression: the function's `o` plus a constant. */
function at(add: number): string {
  return add === 0 ? 'o' : `o+${add}`;
}

const SAFE = '9007199254740991';

/** Source of one compiled decoder and the element functions and constants it refers to. */
export class DecoderSource {
  readonly functions: string[] = [];
  private readonly functionIds = new Map<string, number>();
  /**
   * Set for the variant called only with `o` 4-byte aligned and `w` the buffer's 32-bit words
   * (on a little-endian machine): 32-bit reads at offsets that stay aligned become `w[...]`.
   */
  wordReads = false;

  /**
   * `slots` > 1: per-CPU copies `stride` bytes apart, each leaf summed over them as sumValues()
   * sums. `constants`: the array `c` of the generated code, which sources compiled into one
   * function share.
   */
  constructor(private readonly btf: Btf, private readonly pointerSize: number, private readonly hints: MemberHints | null, private readonly slots = 1, private readonly stride = 0, readonly constants: unknown[] = []) {}

  /**
   * A leaf value (a number, a text, a flag) at `o + add`, given by `read(add, end)` with `end`
   * the expression of the value's end; summed over the per-CPU copies when there are several.
   */
  private leaf(add: number, read: (add: number, end: string) => string): string {
    let sum = read(add, 'e');
    for (let slot = 1; slot < this.slots; slot++) sum = `h.add(${sum},${read(add + slot * this.stride, `e+${slot * this.stride}`)})`;
    return sum;
  }

  /**
   * An integer leaf: summed inline while both sides are numbers and the sum is exact, which is
   * what sumValues() returns then; anything else (a decimal text past 2^53) goes to it.
   */
  private integerLeaf(add: number, read: (add: number) => string, size = 8): string {
    let sum = read(add);
    // Integers of up to 32 bits are numbers, and fewer than 2^21 of them add up exactly.
    if (size <= 4 && this.slots < 2 ** 21) {
      for (let slot = 1; slot < this.slots; slot++) sum += `+${read(add + slot * this.stride)}`;
      return this.slots > 1 ? `(${sum})` : sum;
    }
    for (let slot = 1; slot < this.slots; slot++) {
      sum = `((s=(x=${sum})+(n=${read(add + slot * this.stride)})),typeof s==='number'&&s<=${SAFE}&&s>=-${SAFE}?s:h.add(x,n))`;
    }
    return sum;
  }

  /** `c[i]`, the constant `value` as generated code names it. */
  private constant(value: unknown): string {
    this.constants.push(value);
    return `c[${this.constants.length - 1}]`;
  }

  /** `f[i]`, the function decoding `typeId` at its own `o` at `depth`. */
  element(typeId: number, depth: number): string {
    const key = `${typeId}:${depth}`;
    let id = this.functionIds.get(key);
    if (id === undefined) {
      id = this.functions.length;
      this.functionIds.set(key, id);
      this.functions.push('');
      this.functions[id] = this.value(typeId, 0, depth);
    }
    return `f[${id}]`;
  }

  /** An integer of `size` bytes at `o + add`, as a JSON integer. */
  private integer(add: number, size: number, signed: boolean): string {
    const o = at(add);
    if (this.wordReads && add % 4 === 0 && (size === 4 || size === 8)) {
      // `w[(o + add) >> 2]`: an element read, where QuickJS makes a DataView read a method call.
      const word = (a: number, signedWord: boolean) => (signedWord ? `(w[${at(a)}>>2]|0)` : `w[${at(a)}>>2]`);
      if (size === 4) return word(add, signed);
      const exact = signed ? `t<=${SAFE}&&t>=-${SAFE}` : `t<=${SAFE}`;
      return `((t=${word(add + 4, signed)}*4294967296+${word(add, false)}),${exact}?t:h.integer(v,${o},8,${signed}))`;
    }
    if (size === 1) return signed ? `v.getInt8(${o})` : `v.getUint8(${o})`;
    if (size === 2) return signed ? `v.getInt16(${o},true)` : `v.getUint16(${o},true)`;
    if (size === 4) return signed ? `v.getInt32(${o},true)` : `v.getUint32(${o},true)`;
    if (size === 8) {
      // hi * 2^32 + lo rounds monotonically, so it is within ±(2^53 - 1) exactly when the value is.
      const high = signed ? `v.getInt32(${at(add + 4)},true)` : `v.getUint32(${at(add + 4)},true)`;
      const exact = signed ? `t<=${SAFE}&&t>=-${SAFE}` : `t<=${SAFE}`;
      return `((t=${high}*4294967296+v.getUint32(${o},true)),${exact}?t:h.integer(v,${o},8,${signed}))`;
    }
    return `h.integer(v,${o},${size},${signed})`;
  }

  /** A bitfield at `o + add`: whole bytes as one float while they are exact, else a BigInt. */
  private bits(add: number, first: number, span: number, shift: number, width: number): string {
    const start = add + first;
    if (span > 6) return `h.bits(v,${at(start)},${span},${shift},${width})`;
    const bytes = Array.from({ length: span }, (_, i) => (i === 0 ? `b[${at(start)}]` : `b[${at(start + i)}]*${2 ** (8 * i)}`)).join('+');
    return `(Math.floor((${bytes})/${2 ** shift})%${2 ** width})`;
  }

  /** An expression for the value of `typeId` at `o + add`, mirroring BtfValueDecoder.at(). */
  value(typeId: number, add: number, depth: number): string {
    const t = this.btf.type(typeId);
    if (depth > MAX_DEPTH) return this.leaf(add, (a, end) => `h.hex(b,${at(a)},${end})`);
    const wrapped = wrappedType(t);
    if (wrapped !== null) return this.value(wrapped, add, depth + 1);
    switch (t.kind) {
      case Kind.INT:
        if (t.encoding & IntEncoding.BOOL) return this.leaf(add, (a) => `(v.getUint8(${at(a)})!==0)`);
        return this.integerLeaf(add, (a) => this.integer(a, t.size, (t.encoding & IntEncoding.SIGNED) !== 0), t.size);
      case Kind.PTR:
        return this.integerLeaf(add, (a) => this.integer(a, this.pointerSize, false), this.pointerSize);
      case Kind.ENUM:
      case Kind.ENUM64: {
        const names = new Map<number | string, string>();
        for (const entry of t.values) {
          const key = jsonInteger(entry.value);
          if (!names.has(key)) names.set(key, entry.name);
        }
        const table = this.constant(names);
        return this.leaf(add, (a) => `((n=${table}.get(x=${this.integer(a, t.size, t.signed)}))===undefined?x:n)`);
      }
      case Kind.FLOAT:
        if (t.size === 4) return this.leaf(add, (a) => `v.getFloat32(${at(a)},true)`);
        if (t.size === 8) return this.leaf(add, (a) => `v.getFloat64(${at(a)},true)`);
        return this.leaf(add, (a) => `h.hex(b,${at(a)},${at(a + t.size)})`);
      case Kind.ARRAY:
        return this.array(t.type, t.count, add, depth);
      case Kind.STRUCT:
      case Kind.UNION: {
        const fields = t.members.map((member, index) => {
          const name = member.name || `__anon${index}`;
          // A computed key defines an own property even for `__proto__`, as assignment does.
          const key = name === '__proto__' ? '["__proto__"]' : JSON.stringify(name);
          return `${key}:${this.memberLeaf(t, index, add) ?? this.value(member.type, add + member.bitOffset / 8, depth + 1)}`;
        });
        return `({${fields.join(',')}})`;
      }
      default:
        return this.leaf(add, (a, end) => `h.hex(b,${at(a)},${end})`);
    }
  }

  /**
   * The expression of member `index` of struct or union `t` at `o + add` when it decodes as a leaf
   * of its own (a bitfield, or a member hinted as an address or device number), else null: then
   * it decodes as its type at `add` plus its offset.
   */
  memberLeaf(t: TypeOfKind<typeof Kind.STRUCT | typeof Kind.UNION>, index: number, add: number): string | null {
    const member = t.members[index]!;
    const bits = memberBits(this.btf, member, this.pointerSize);
    if (bits) return this.leaf(add, (a) => this.bits(a, bits.first, bits.span, bits.shift, bits.width));
    const hint = this.hints?.of(t.id, index, member.name || `__anon${index}`) ?? null;
    if (!hint) return null;
    const start = add + member.bitOffset / 8;
    const size = this.btf.resolveSize(member.type, this.pointerSize);
    return this.leaf(start, (a) => `h.hinted(${JSON.stringify(hint)},b,${at(a)},${at(a + size)})`);
  }

  private array(elementId: number, count: number, add: number, depth: number): string {
    const element = this.btf.skipModsAndTypedefs(elementId);
    const size = this.btf.resolveSize(elementId, this.pointerSize);
    if (isCharLike(element)) return this.leaf(add, (a) => `h.text(b,${at(a)},${at(a + size * count)})`);
    if (count === 0) return '[]';
    const first = this.value(elementId, add, depth + 1);
    if (first.length * count > INLINE_ARRAY_SOURCE) return `h.list(${this.element(elementId, depth + 1)},v,b,${at(add)},${count},${size},e)`;
    const items = [first];
    for (let i = 1; i < count; i++) items.push(this.value(elementId, add + i * size, depth + 1));
    return `[${items.join(',')}]`;
  }
}

/**
 * Compiles the decoder of `typeId`; with `slots` > 1, of the sum of that many per-CPU copies
 * `stride` bytes apart (the offset and end it is called with are the first copy's). Throws the
 * BtfTypeError the reference would throw on decoding.
 */
export function compileDecoder(btf: Btf, typeId: number, pointerSize: number, hints: MemberHints | null, slots = 1, stride = 0): CompiledDecoder {
  const source = new DecoderSource(btf, pointerSize, hints, slots, stride);
  const body = source.value(typeId, 0, 0);
  const make = (expression: string) => `function(v,b,o,e,w){let t,x,n,s;return ${expression};}`;
  const functions: CompiledDecoder[] = [];
  const build = new Function('h', 'c', 'f', `return [${[body, ...source.functions].map(make).join(',')}];`) as (h: typeof decoderHelpers, c: unknown[], f: CompiledDecoder[]) => CompiledDecoder[];
  const [decoder, ...elements] = build(decoderHelpers, source.constants, functions);
  functions.push(...elements);
  // A second variant reads aligned 32-bit integers as words; element functions keep DataView reads, so not with those.
  if (!WORDS_ARE_LITTLE_ENDIAN || source.functions.length > 0 || !/v\.get(Ui|I)nt32\(/.test(body)) return decoder!;
  const wordSource = new DecoderSource(btf, pointerSize, hints, slots, stride);
  wordSource.wordReads = true;
  const aligned = new Function('h', 'c', `return ${make(wordSource.value(typeId, 0, 0))};`)(decoderHelpers, wordSource.constants) as CompiledDecoder;
  const generic = decoder!;
  return (v, b, o, e, w) => (w !== undefined && (o & 3) === 0 ? aligned(v, b, o, e, w) : generic(v, b, o, e));
}

/** Decoders of one BTF, compiled on first use and kept. */
export class DecoderCache {
  private readonly decoders = new Map<string, CompiledDecoder>();
  /** A DataView and byte array over the whole buffer last decoded from: entries of one batch share them. */
  private view: DataView = new DataView(new ArrayBuffer(0));
  private whole: Uint8Array = new Uint8Array(0);
  private words: Uint32Array = new Uint32Array(0);

  constructor(private readonly btf: Btf, private readonly pointerSize = 8, private readonly hints: MemberHints | null = null) {}

  get(typeId: number, slots = 1, stride = 0): CompiledDecoder {
    const key = slots > 1 ? `${typeId}/${slots}/${stride}` : String(typeId);
    let decoder = this.decoders.get(key);
    if (!decoder) {
      decoder = compileDecoder(this.btf, typeId, this.pointerSize, this.hints, slots, stride);
      this.decoders.set(key, decoder);
    }
    return decoder;
  }

  /**
   * Decodes `bytes` whole, as BtfValueDecoder.decode() does; with `slots` > 1, `bytes` is the
   * first of that many per-CPU copies `stride` bytes apart in its buffer, and the copies are
   * summed. A view into a larger buffer (a batch, a ring) costs no copy.
   */
  decode(typeId: number, bytes: Uint8Array, slots = 1, stride = 0): JsonValue {
    if (this.view.buffer !== bytes.buffer) {
      this.view = new DataView(bytes.buffer);
      this.whole = new Uint8Array(bytes.buffer);
      this.words = wordsOf(bytes.buffer);
    }
    // All span the whole buffer, so the offsets are the bytes' own offsets into it.
    return this.get(typeId, slots, stride)(this.view, this.whole, bytes.byteOffset, bytes.byteOffset + bytes.length, this.words);
  }
}
