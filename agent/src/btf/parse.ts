/**
 * Decodes a raw BTF blob (the `.BTF` section of an object, or /sys/kernel/btf/vmlinux) into an
 * array of typed records. Every count, id and string offset is checked against the blob, so a
 * corrupt input ends in a BtfError naming the record, never a loop or a RangeError.
 */
import { ByteReader } from '../elf/byte-reader.ts';
import { BtfError } from './errors.ts';
import { Kind, type BtfType, type EnumValue, type Member } from './kinds.ts';
import { StringTable } from './strings.ts';

export const BTF_MAGIC = 0xeb9f;

export interface RawBtf {
  /** Index = type id; entry 0 is void. */
  types: BtfType[];
  strings: StringTable;
}

export function parseBtfBlob(bytes: Uint8Array): RawBtf {
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
  const types: BtfType[] = [{ kind: Kind.UNKN, id: 0, name: '', at: 0 }];
  const typeReader = new ByteReader(r.slice('type section', typeStart, typeLength), (s, o, p) => new BtfError(s, typeStart + o, p));
  let at = 0;
  while (at < typeLength) {
    const [type, next] = readType(typeReader, strings, types.length, at, typeStart);
    types.push(type);
    at = next;
  }
  checkReferences(types);
  return { types, strings };
}

function readType(r: ByteReader, strings: StringTable, id: number, at: number, base: number): [BtfType, number] {
  const what = `type [${id}]`;
  const nameOffset = r.u32(what, at);
  const info = r.u32(what, at + 4);
  const sizeOrType = r.u32(what, at + 8);
  const vlen = info & 0xffff;
  const kind = (info >>> 24) & 0x1f;
  const kindFlag = info >>> 31 === 1;
  const name = strings.get(nameOffset, `${what} name`);
  const common = { id, name, at: base + at };
  let p = at + 12;
  const extra = (size: number) => {
    r.check(what, p, size);
    const start = p;
    p += size;
    return start;
  };
  switch (kind) {
    case Kind.INT: {
      const data = r.u32(what, extra(4));
      const bits = data & 0xff;
      const bitOffset = (data >>> 16) & 0xff;
      const encoding = (data >>> 24) & 0x0f;
      if (bits > 128 || bitOffset + bits > 128) throw new BtfError(what, base + at, `int of ${bits} bits at bit offset ${bitOffset} is invalid`);
      return [{ ...common, kind, size: sizeOrType, encoding, bitOffset, bits }, p];
    }
    case Kind.PTR:
    case Kind.TYPEDEF:
    case Kind.VOLATILE:
    case Kind.CONST:
    case Kind.RESTRICT:
    case Kind.TYPE_TAG:
      return [{ ...common, kind, type: sizeOrType }, p];
    case Kind.FWD:
      return [{ ...common, kind, isUnion: kindFlag }, p];
    case Kind.ARRAY: {
      const o = extra(12);
      return [{ ...common, kind, type: r.u32(what, o), indexType: r.u32(what, o + 4), count: r.u32(what, o + 8) }, p];
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
      return [{ ...common, kind, size: sizeOrType, members, kindFlag }, p];
    }
    case Kind.ENUM: {
      const o = extra(vlen * 8);
      const values: EnumValue[] = [];
      for (let i = 0; i < vlen; i++) {
        const raw32 = r.i32(what, o + i * 8 + 4);
        values.push({ name: strings.get(r.u32(what, o + i * 8), `${what} value ${i} name`), raw32, value: kindFlag ? BigInt(raw32) : BigInt(raw32 >>> 0) });
      }
      return [{ ...common, kind, size: sizeOrType, values, signed: kindFlag }, p];
    }
    case Kind.ENUM64: {
      const o = extra(vlen * 12);
      const values: EnumValue[] = [];
      for (let i = 0; i < vlen; i++) {
        const e = o + i * 12;
        const unsigned = (BigInt(r.u32(what, e + 8)) << 32n) | BigInt(r.u32(what, e + 4));
        values.push({ name: strings.get(r.u32(what, e), `${what} value ${i} name`), raw32: r.i32(what, e + 4), value: kindFlag ? BigInt.asIntN(64, unsigned) : unsigned });
      }
      return [{ ...common, kind, size: sizeOrType, values, signed: kindFlag }, p];
    }
    case Kind.FUNC:
      return [{ ...common, kind, type: sizeOrType, linkage: vlen }, p];
    case Kind.FUNC_PROTO: {
      const o = extra(vlen * 8);
      const params = [];
      for (let i = 0; i < vlen; i++) params.push({ name: strings.get(r.u32(what, o + i * 8), `${what} param ${i} name`), type: r.u32(what, o + i * 8 + 4) });
      return [{ ...common, kind, returnType: sizeOrType, params }, p];
    }
    case Kind.VAR:
      return [{ ...common, kind, type: sizeOrType, linkage: r.u32(what, extra(4)) }, p];
    case Kind.DATASEC: {
      const o = extra(vlen * 12);
      const entries = [];
      for (let i = 0; i < vlen; i++) entries.push({ type: r.u32(what, o + i * 12), offset: r.u32(what, o + i * 12 + 4), size: r.u32(what, o + i * 12 + 8) });
      return [{ ...common, kind, size: sizeOrType, entries }, p];
    }
    case Kind.FLOAT:
      return [{ ...common, kind, size: sizeOrType }, p];
    case Kind.DECL_TAG:
      return [{ ...common, kind, type: sizeOrType, componentIndex: r.i32(what, extra(4)) }, p];
    default:
      throw new BtfError(what, base + at, `unknown kind ${kind}; this BTF is newer than Mote understands`);
  }
}

/** Every type id a record points at must exist. */
function checkReferences(types: BtfType[]): void {
  const count = types.length;
  const check = (t: BtfType, ref: number, role: string) => {
    if (ref >= count) throw new BtfError(`type [${t.id}] ${role}`, t.at, `refers to type [${ref}] but the BTF has only ${count} types`);
  };
  for (const t of types) {
    switch (t.kind) {
      case Kind.PTR: case Kind.TYPEDEF: case Kind.VOLATILE: case Kind.CONST: case Kind.RESTRICT:
      case Kind.TYPE_TAG: case Kind.FUNC: case Kind.VAR: case Kind.DECL_TAG:
        check(t, t.type, 'type');
        break;
      case Kind.ARRAY:
        check(t, t.type, 'element type');
        check(t, t.indexType, 'index type');
        break;
      case Kind.STRUCT: case Kind.UNION:
        t.members.forEach((m, i) => check(t, m.type, `member ${i}`));
        break;
      case Kind.FUNC_PROTO:
        check(t, t.returnType, 'return type');
        t.params.forEach((p, i) => check(t, p.type, `param ${i}`));
        break;
      case Kind.DATASEC:
        t.entries.forEach((e, i) => check(t, e.type, `entry ${i}`));
        break;
    }
  }
}
