/**
 * Writes BTF blobs for tests: add types one by one (each call returns the new type's id), then
 * `bytes()` gives a blob Btf.parse reads. Record layouts per the kernel's btf.rst.
 */
import { Kind } from '../../agent/src/abi/btf-kinds.ts';

export interface MemberSpec {
  name: string;
  type: number;
  bitOffset: number;
  /** Bitfield width; 0 for a plain member. */
  bits?: number;
}

export class BtfWriter {
  private readonly words: number[] = [];
  private readonly strings: number[] = [0];
  private readonly offsets = new Map<string, number>();
  private count = 1;

  private name(text: string): number {
    if (text === '') return 0;
    let offset = this.offsets.get(text);
    if (offset === undefined) {
      offset = this.strings.length;
      this.offsets.set(text, offset);
      for (const byte of new TextEncoder().encode(text)) this.strings.push(byte);
      this.strings.push(0);
    }
    return offset;
  }

  private type(name: string, kind: number, vlen: number, kindFlag: boolean, sizeOrType: number, extra: number[]): number {
    this.words.push(this.name(name), ((kindFlag ? 1 : 0) << 31) | (kind << 24) | vlen, sizeOrType >>> 0, ...extra);
    return this.count++;
  }

  /** `encoding`: IntEncoding bits (SIGNED, CHAR, BOOL). */
  int(name: string, size: number, encoding = 0, bits = size * 8): number {
    return this.type(name, Kind.INT, 0, false, size, [(encoding << 24) | bits]);
  }

  /** PTR, TYPEDEF, VOLATILE, CONST, RESTRICT or TYPE_TAG of `target`. */
  reference(kind: number, name: string, target: number): number {
    return this.type(name, kind, 0, false, target, []);
  }

  array(element: number, index: number, count: number): number {
    return this.type('', Kind.ARRAY, 0, false, 0, [element, index, count]);
  }

  /** A struct (or union); bitfield members set the kind flag, as clang does. */
  struct(name: string, size: number, members: MemberSpec[], union = false): number {
    const kindFlag = members.some((m) => (m.bits ?? 0) > 0);
    const extra = members.flatMap((m) => [this.name(m.name), m.type, kindFlag ? (((m.bits ?? 0) << 24) | m.bitOffset) >>> 0 : m.bitOffset]);
    return this.type(name, union ? Kind.UNION : Kind.STRUCT, members.length, kindFlag, size, extra);
  }

  enum(name: string, size: number, values: Array<[string, bigint]>, signed: boolean): number {
    if (size === 8) {
      const extra = values.flatMap(([n, v]) => [this.name(n), Number(BigInt.asUintN(32, v)), Number(BigInt.asUintN(32, v >> 32n))]);
      return this.type(name, Kind.ENUM64, values.length, signed, size, extra);
    }
    return this.type(name, Kind.ENUM, values.length, signed, size, values.flatMap(([n, v]) => [this.name(n), Number(BigInt.asUintN(32, v))]));
  }

  float(name: string, size: number): number {
    return this.type(name, Kind.FLOAT, 0, false, size, []);
  }

  /** A decl tag on member `component` of `target`. */
  declTag(tag: string, target: number, component: number): number {
    return this.type(tag, Kind.DECL_TAG, 0, false, target, [component]);
  }

  bytes(): Uint8Array {
    const typeBytes = this.words.length * 4;
    const out = new Uint8Array(24 + typeBytes + this.strings.length);
    const view = new DataView(out.buffer);
    view.setUint16(0, 0xeb9f, true);
    out[2] = 1;
    view.setUint32(4, 24, true);
    view.setUint32(8, 0, true);
    view.setUint32(12, typeBytes, true);
    view.setUint32(16, typeBytes, true);
    view.setUint32(20, this.strings.length, true);
    this.words.forEach((word, i) => view.setUint32(24 + i * 4, word >>> 0, true));
    out.set(this.strings, 24 + typeBytes);
    return out;
  }
}
