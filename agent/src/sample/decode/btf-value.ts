/**
 * Decodes raw map keys and values through BTF into JSON-ready values by walking the type tree:
 * structs become objects, char arrays strings, other arrays lists, enums their names, integers
 * numbers (64-bit ones beyond 2^53 decimal strings, so nothing is rounded), hinted members
 * addresses and device numbers (field-hints.ts). Unknown shapes fall back to hex. This walk is
 * the reference: compiled-decoder.ts generates code that must give the same values. Pure.
 */
import type { Btf } from '../../btf/btf.ts';
import { isModifier, type BtfType } from '../../btf/kinds.ts';
import { decodeCString } from '../../bytes/c-string.ts';
import { IntEncoding, Kind } from '../../abi/btf-kinds.ts';
import { jsonInteger } from '../../bytes/json-integer.ts';
import { formatHinted, MemberHints } from './field-hints.ts';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Type hops (members, elements, typedefs, modifiers) followed before the rest shows as hex. */
export const MAX_DEPTH = 32;

export function hexBytes(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += byte.toString(16).padStart(2, '0');
  return text;
}

/** The little-endian integer of `size` bytes at `at`. */
export function integer(view: DataView, at: number, size: number, signed: boolean): bigint {
  if (size === 1) return BigInt(signed ? view.getInt8(at) : view.getUint8(at));
  if (size === 2) return BigInt(signed ? view.getInt16(at, true) : view.getUint16(at, true));
  if (size === 4) return BigInt(signed ? view.getInt32(at, true) : view.getUint32(at, true));
  if (size === 8) return signed ? view.getBigInt64(at, true) : view.getBigUint64(at, true);
  let value = 0n;
  for (let i = size - 1; i >= 0; i--) value = (value << 8n) | BigInt(view.getUint8(at + i));
  return signed ? BigInt.asIntN(size * 8, value) : value;
}

/** The `width` bits `shift` bits into the `span` bytes at `first`, unsigned. */
export function bitfield(view: DataView, first: number, span: number, shift: number, width: number): bigint {
  return (integer(view, first, span, false) >> BigInt(shift)) & ((1n << BigInt(width)) - 1n);
}

/** The type a typedef, modifier or variable wraps (they decode as it), else null. */
export function wrappedType(t: BtfType): number | null {
  return isModifier(t) || t.kind === Kind.TYPEDEF || t.kind === Kind.VAR ? t.type : null;
}

/** Element types whose arrays are text. */
export function isCharLike(t: BtfType): boolean {
  return t.kind === Kind.INT && t.size === 1 && ((t.encoding & IntEncoding.CHAR) !== 0 || t.name === 'char' || t.name === 'unsigned char' || t.name === 'signed char');
}

/** Where a member sits: whole bytes, or bits to mask out of the bytes around it. */
export function memberBits(btf: Btf, member: { type: number; bitOffset: number; bitfieldSize: number }, pointerSize: number): { first: number; span: number; shift: number; width: number } | null {
  if (member.bitfieldSize === 0 && member.bitOffset % 8 === 0) return null;
  const width = member.bitfieldSize || btf.resolveSize(member.type, pointerSize) * 8;
  const shift = member.bitOffset % 8;
  return { first: Math.floor(member.bitOffset / 8), span: Math.ceil((shift + width) / 8), shift, width };
}

export class BtfValueDecoder {
  private readonly hints: MemberHints | null;

  /** `hints`: format hinted members (field-hints.ts); without, every member decodes as its type. */
  constructor(private readonly btf: Btf, private readonly pointerSize = 8, hints: MemberHints | null = null) {
    this.hints = hints;
  }

  decode(typeId: number, bytes: Uint8Array): JsonValue {
    return this.at(typeId, new DataView(bytes.buffer, bytes.byteOffset, bytes.length), 0, bytes, 0);
  }

  private at(typeId: number, view: DataView, offset: number, bytes: Uint8Array, depth: number): JsonValue {
    const t = this.btf.type(typeId);
    if (depth > MAX_DEPTH) return hexBytes(bytes.subarray(offset));
    const wrapped = wrappedType(t);
    if (wrapped !== null) return this.at(wrapped, view, offset, bytes, depth + 1);
    switch (t.kind) {
      case Kind.INT:
        if (t.encoding & IntEncoding.BOOL) return view.getUint8(offset) !== 0;
        return jsonInteger(integer(view, offset, t.size, (t.encoding & IntEncoding.SIGNED) !== 0));
      case Kind.PTR:
        return jsonInteger(integer(view, offset, this.pointerSize, false));
      case Kind.ENUM:
      case Kind.ENUM64: {
        const value = integer(view, offset, t.size, t.signed);
        const named = t.values.find((v) => v.value === value);
        return named ? named.name : jsonInteger(value);
      }
      case Kind.FLOAT:
        return t.size === 4 ? view.getFloat32(offset, true) : t.size === 8 ? view.getFloat64(offset, true) : hexBytes(bytes.subarray(offset, offset + t.size));
      case Kind.ARRAY: {
        const element = this.btf.skipModsAndTypedefs(t.type);
        const size = this.btf.resolveSize(t.type, this.pointerSize);
        if (isCharLike(element)) return decodeCString(bytes.subarray(offset, offset + size * t.count));
        const out: JsonValue[] = [];
        for (let i = 0; i < t.count; i++) out.push(this.at(t.type, view, offset + i * size, bytes, depth + 1));
        return out;
      }
      case Kind.STRUCT:
      case Kind.UNION: {
        const out: { [key: string]: JsonValue } = {};
        t.members.forEach((member, index) => {
          const name = member.name || `__anon${index}`;
          const bits = memberBits(this.btf, member, this.pointerSize);
          if (bits) {
            out[name] = jsonInteger(bitfield(view, offset + bits.first, bits.span, bits.shift, bits.width));
            return;
          }
          const at = offset + member.bitOffset / 8;
          const hint = this.hints?.of(t.id, index, name) ?? null;
          out[name] = hint ? formatHinted(hint, bytes.subarray(at, at + this.btf.resolveSize(member.type, this.pointerSize))) : this.at(member.type, view, at, bytes, depth + 1);
        });
        return out;
      }
      default:
        return hexBytes(bytes.subarray(offset));
    }
  }
}
