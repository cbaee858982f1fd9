/**
 * Decodes one BTF type record into its typed shape. The record has already been bounds-checked
 * by the index pass (parse.ts); the reader still checks every read, so a record can only end in
 * a BtfError, never a RangeError.
 */
import type { ByteReader } from '../bytes/byte-reader.ts';
import { BtfError } from './errors.ts';
import { type BtfType, type EnumValue, type Member } from './kinds.ts';
import type { StringTable } from './strings.ts';
import { Kind } from '../abi/btf-kinds.ts';

/** The type `id` whose record starts at byte `at` of the type section (which starts at `base` in the blob). */
export function decodeType(r: ByteReader, strings: StringTable, id: number, at: number, base: number): BtfType {
  const what = `type [${id}]`;
  const nameOffset = r.u32(what, at);
  const info = r.u32(what, at + 4);
  const sizeOrType = r.u32(what, at + 8);
  const vlen = info & 0xffff;
  const kind = (info >>> 24) & 0x1f;
  const kindFlag = info >>> 31 === 1;
  const name = strings.get(nameOffset, `${what} name`);
  const common = { id, name, at: base + at };
  /** The bytes after the common 12-byte header: `size` of them, checked; returns their offset. */
  const extra = (size: number) => {
    r.check(what, at + 12, size);
    return at + 12;
  };
  switch (kind) {
    case Kind.INT: {
      const data = r.u32(what, extra(4));
      const bits = data & 0xff;
      const bitOffset = (data >>> 16) & 0xff;
      const encoding = (data >>> 24) & 0x0f;
      if (bits > 128 || bitOffset + bits > 128) throw new BtfError(what, base + at, `int of ${bits} bits at bit offset ${bitOffset} is invalid`);
      return { ...common, kind, size: sizeOrType, encoding, bitOffset, bits };
    }
    case Kind.PTR:
    case Kind.TYPEDEF:
    case Kind.VOLATILE:
    case Kind.CONST:
    case Kind.RESTRICT:
    case Kind.TYPE_TAG:
      return { ...common, kind, type: sizeOrType };
    case Kind.FWD:
      return { ...common, kind, isUnion: kindFlag };
    case Kind.ARRAY: {
      const o = extra(12);
      return { ...common, kind, type: r.u32(what, o), indexType: r.u32(what, o + 4), count: r.u32(what, o + 8) };
    }
    case Kind.STRUCT:
    case Kind.UNION: {
      const o = extra(vlen * 12);
      const members: Member[] = [];
      for (let i = 0; i < vlen; i++) {
        const m = o + i * 12;
        const offset = r.u32(what, m + 8);
        members.push({
          name: strings.get(r.u32(what, m), `${what} member ${i} name`),
          type: r.u32(what, m + 4),
          bitOffset: kindFlag ? offset & 0xffffff : offset,
          bitfieldSize: kindFlag ? offset >>> 24 : 0,
        });
      }
      return { ...common, kind, size: sizeOrType, members, kindFlag };
    }
    case Kind.ENUM: {
      const o = extra(vlen * 8);
      const values: EnumValue[] = [];
      for (let i = 0; i < vlen; i++) {
        const raw32 = r.i32(what, o + i * 8 + 4);
        values.push({ name: strings.get(r.u32(what, o + i * 8), `${what} value ${i} name`), raw32, value: kindFlag ? BigInt(raw32) : BigInt(raw32 >>> 0) });
      }
      return { ...common, kind, size: sizeOrType, values, signed: kindFlag };
    }
    case Kind.ENUM64: {
      const o = extra(vlen * 12);
      const values: EnumValue[] = [];
      for (let i = 0; i < vlen; i++) {
        const e = o + i * 12;
        const unsigned = (BigInt(r.u32(what, e + 8)) << 32n) | BigInt(r.u32(what, e + 4));
        values.push({ name: strings.get(r.u32(what, e), `${what} value ${i} name`), raw32: r.i32(what, e + 4), value: kindFlag ? BigInt.asIntN(64, unsigned) : unsigned });
      }
      return { ...common, kind, size: sizeOrType, values, signed: kindFlag };
    }
    case Kind.FUNC:
      return { ...common, kind, type: sizeOrType, linkage: vlen };
    case Kind.FUNC_PROTO: {
      const o = extra(vlen * 8);
      const params = [];
      for (let i = 0; i < vlen; i++) params.push({ name: strings.get(r.u32(what, o + i * 8), `${what} param ${i} name`), type: r.u32(what, o + i * 8 + 4) });
      return { ...common, kind, returnType: sizeOrType, params };
    }
    case Kind.VAR:
      return { ...common, kind, type: sizeOrType, linkage: r.u32(what, extra(4)) };
    case Kind.DATASEC: {
      const o = extra(vlen * 12);
      const entries = [];
      for (let i = 0; i < vlen; i++) entries.push({ type: r.u32(what, o + i * 12), offset: r.u32(what, o + i * 12 + 4), size: r.u32(what, o + i * 12 + 8) });
      return { ...common, kind, size: sizeOrType, entries };
    }
    case Kind.FLOAT:
      return { ...common, kind, size: sizeOrType };
    case Kind.DECL_TAG:
      return { ...common, kind, type: sizeOrType, componentIndex: r.i32(what, extra(4)) };
    default:
      throw new BtfError(what, base + at, `unknown kind ${kind}; this BTF is newer than Mote understands`);
  }
}
