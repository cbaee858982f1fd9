/**
 * Decodes raw map keys and values through BTF into JSON-ready values: structs become objects,
 * char arrays strings, other arrays lists, enums their names, integers numbers (64-bit ones
 * beyond 2^53 decimal strings, so nothing is rounded). Pure; unknown shapes fall back to hex.
 */
import type { Btf } from '../../btf/btf.ts';
import { type BtfType } from '../../btf/kinds.ts';
import { decodeCString } from '../../bytes/c-string.ts';
import { IntEncoding, Kind } from '../../abi/btf-kinds.ts';
import { jsonInteger } from '../../bytes/json-integer.ts';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

const MAX_DEPTH = 32;

export function hexBytes(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += byte.toString(16).padStart(2, '0');
  return text;
}

function integer(view: DataView, at: number, size: number, signed: boolean): bigint {
  if (size === 1) return BigInt(signed ? view.getInt8(at) : view.getUint8(at));
  if (size === 2) return BigInt(signed ? view.getInt16(at, true) : view.getUint16(at, true));
  if (size === 4) return BigInt(signed ? view.getInt32(at, true) : view.getUint32(at, true));
  if (size === 8) return signed ? view.getBigInt64(at, true) : view.getBigUint64(at, true);
  let value = 0n;
  for (let i = size - 1; i >= 0; i--) value = (value << 8n) | BigInt(view.getUint8(at + i));
  return signed ? BigInt.asIntN(size * 8, value) : value;
}

function isCharLike(t: BtfType): boolean {
  return t.kind === Kind.INT && t.size === 1 && ((t.encoding & IntEncoding.CHAR) !== 0 || t.name === 'char' || t.name === 'unsigned char' || t.name === 'signed char');
}

export class BtfValueDecoder {
  constructor(private readonly btf: Btf, private readonly pointerSize = 8) {}

  decode(typeId: number, bytes: Uint8Array): JsonValue {
    return this.at(typeId, new DataView(bytes.buffer, bytes.byteOffset, bytes.length), 0, bytes, 0);
  }

  private at(typeId: number, view: DataView, offset: number, bytes: Uint8Array, depth: number): JsonValue {
    const t = this.btf.type(typeId);
    if (depth > MAX_DEPTH) return hexBytes(bytes.subarray(offset));
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
      case Kind.TYPEDEF:
      case Kind.VOLATILE:
      case Kind.CONST:
      case Kind.RESTRICT:
      case Kind.TYPE_TAG:
        return this.at(t.type, view, offset, bytes, depth + 1);
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
          if (member.bitfieldSize === 0 && member.bitOffset % 8 === 0) {
            out[name] = this.at(member.type, view, offset + member.bitOffset / 8, bytes, depth + 1);
            return;
          }
          const width = member.bitfieldSize || this.btf.resolveSize(member.type, this.pointerSize) * 8;
          const first = offset + Math.floor(member.bitOffset / 8);
          const span = Math.ceil(((member.bitOffset % 8) + width) / 8);
          const word = integer(view, first, span, false);
          out[name] = jsonInteger((word >> BigInt(member.bitOffset % 8)) & ((1n << BigInt(width)) - 1n));
        });
        return out;
      }
      case Kind.VAR:
        return this.at(t.type, view, offset, bytes, depth + 1);
      default:
        return hexBytes(bytes.subarray(offset));
    }
  }
}
