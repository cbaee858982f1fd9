/**
 * Decodes a map key, map value or ring buffer record through the object's BTF into the shape
 * records carry: struct members become named fields, and members the C tagged with a BTF decl
 * tag (`ipv4`, `ipv6`, `dev_t`), or that the manifest hints, are formatted as addresses and
 * device numbers. Per-CPU values are summed member by member. Pure.
 */
import type { Btf } from '../../btf/btf.ts';
import { BtfValueDecoder, type JsonValue } from './btf-value.ts';
import type { FieldHint } from './manifest.ts';
import { decodeCString } from '../../bytes/c-string.ts';
import { IntEncoding, Kind } from '../../abi/btf-kinds.ts';
import { jsonInteger } from '../../bytes/json-integer.ts';

export function formatIpv4(bytes: Uint8Array): string {
  return Array.from(bytes.subarray(0, 4)).join('.');
}

/** RFC 5952 text: the longest run of two or more zero groups becomes `::`; IPv4-mapped prints dotted. */
export function formatIpv6(bytes: Uint8Array): string {
  const mapped = bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (mapped) return formatIpv4(bytes.subarray(12));
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i] << 8) | bytes[i + 1]);
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (list: number[]) => list.map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
}

/** The kernel's dev_t: major in the top 12 bits, minor in the low 20. */
export function formatDevT(value: number): string {
  return `${value >>> 20}:${value & 0xfffff}`;
}

function formatHinted(hint: FieldHint, bytes: Uint8Array): JsonValue {
  if (hint === 'ipv4') return formatIpv4(bytes);
  if (hint === 'ipv6') return bytes.length >= 16 ? formatIpv6(bytes) : formatIpv4(bytes);
  return formatDevT(new DataView(bytes.buffer, bytes.byteOffset, bytes.length).getUint32(0, true));
}

/** `a + b` member by member: numbers (and decimal strings of big ones) add, the rest keep `a`. */
export function sumValues(a: JsonValue, b: JsonValue): JsonValue {
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  if ((typeof a === 'number' || typeof a === 'string') && (typeof b === 'number' || typeof b === 'string') && /^-?\d+$/.test(String(a)) && /^-?\d+$/.test(String(b))) {
    const sum = BigInt(a) + BigInt(b);
    return sum <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(sum) : sum.toString();
  }
  if (Array.isArray(a) && Array.isArray(b)) return a.map((item, i) => sumValues(item, b[i] ?? 0));
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const out: { [key: string]: JsonValue } = {};
    for (const name in a) {
      const left = a[name];
      const right = b[name] ?? 0;
      out[name] = typeof left === 'number' && typeof right === 'number' ? left + right : sumValues(left, right);
    }
    return out;
  }
  return a;
}

/** Reads one value at `offset` of `view` (whose bytes are `bytes`). */
type Reader = (view: DataView, bytes: Uint8Array, offset: number) => JsonValue;

function readText(bytes: Uint8Array, start: number, length: number): string {
  let text = '';
  for (let i = start; i < start + length; i++) {
    const byte = bytes[i];
    if (byte === 0) break;
    if (byte >= 0x80) return decodeCString(bytes.subarray(start, start + length));
    text += String.fromCharCode(byte);
  }
  return text;
}

/**
 * Decodes through one BTF, compiling a reader per type on first use (struct members become
 * a list of readers at fixed offsets), so a map of many entries pays the type walk once.
 */
export class TypeDecoder {
  private readonly values: BtfValueDecoder;
  /** Decl tags per struct type id: member index -> tag. */
  private readonly tags = new Map<number, Map<number, string>>();
  private readonly readers = new Map<number, Reader>();

  constructor(private readonly btf: Btf, private readonly hints: Record<string, FieldHint> = {}) {
    this.values = new BtfValueDecoder(btf);
    for (let id = 1; id < btf.count; id++) {
      const t = btf.type(id);
      if (t.kind !== Kind.DECL_TAG || t.componentIndex < 0) continue;
      const members = this.tags.get(t.type) ?? new Map<number, string>();
      members.set(t.componentIndex, t.name);
      this.tags.set(t.type, members);
    }
  }

  /** The id of the struct, union or typedef named `name`, or null. */
  typeByName(name: string): number | null {
    const ids = this.btf.idsByName(name);
    const found = ids.find((id) => {
      const kind = this.btf.type(id).kind;
      return kind === Kind.STRUCT || kind === Kind.UNION || kind === Kind.TYPEDEF;
    });
    return found ?? null;
  }

  /** Member names of a struct type, in order (empty for other types). */
  fieldNames(typeId: number): string[] {
    const t = this.btf.skipModsAndTypedefs(typeId);
    return t.kind === Kind.STRUCT || t.kind === Kind.UNION ? t.members.map((m, i) => m.name || `__anon${i}`) : [];
  }

  decode(typeId: number, bytes: Uint8Array): JsonValue {
    return this.reader(typeId)(new DataView(bytes.buffer, bytes.byteOffset, bytes.length), bytes, 0);
  }

  /** Decodes `slots` per-CPU copies (each `stride` bytes apart) and sums them. */
  decodeSummed(typeId: number, bytes: Uint8Array, slots: number, stride: number, size: number): JsonValue {
    let total = this.decode(typeId, bytes.subarray(0, size));
    for (let cpu = 1; cpu < slots; cpu++) total = sumValues(total, this.decode(typeId, bytes.subarray(cpu * stride, cpu * stride + size)));
    return total;
  }

  private reader(typeId: number): Reader {
    let reader = this.readers.get(typeId);
    if (!reader) {
      reader = this.compile(typeId);
      this.readers.set(typeId, reader);
    }
    return reader;
  }

  private compile(typeId: number): Reader {
    const t = this.btf.skipModsAndTypedefs(typeId);
    const size = this.btf.resolveSize(typeId, 8);
    const fallback: Reader = (_view, bytes, offset) => this.values.decode(typeId, bytes.subarray(offset, offset + size));
    if (t.kind === Kind.INT && t.bits === t.size * 8 && (t.encoding & IntEncoding.BOOL) === 0) {
      const signed = (t.encoding & IntEncoding.SIGNED) !== 0;
      if (t.size === 8) return signed ? (v, _b, o) => jsonInteger(v.getBigInt64(o, true)) : (v, _b, o) => jsonInteger(v.getBigUint64(o, true));
      if (t.size === 1 || t.size === 2 || t.size === 4) return this.compileInteger(t.size, signed);
    }
    if (t.kind === Kind.ENUM && (t.size === 1 || t.size === 2 || t.size === 4)) {
      const names = new Map(t.values.map((v) => [Number(v.value), v.name]));
      const read = this.compileInteger(t.size, t.signed);
      return (v, b, o) => {
        const value = read(v, b, o) as number;
        return names.get(value) ?? value;
      };
    }
    if (t.kind === Kind.ARRAY) {
      const element = this.btf.skipModsAndTypedefs(t.type);
      if (element.kind === Kind.INT && element.size === 1 && (element.encoding & IntEncoding.BOOL) === 0 && isCharName(element.name, element.encoding)) {
        return (_v, b, o) => readText(b, o, t.count);
      }
      const elementSize = this.btf.resolveSize(t.type, 8);
      const read = this.reader(t.type);
      return (v, b, o) => {
        const out: JsonValue[] = [];
        for (let i = 0; i < t.count; i++) out.push(read(v, b, o + i * elementSize));
        return out;
      };
    }
    if (t.kind === Kind.STRUCT || t.kind === Kind.UNION) return this.compileStruct(typeId, fallback);
    return fallback;
  }

  private compileInteger(size: number, signed: boolean): Reader {
    if (size === 1) return signed ? (v, _b, o) => v.getInt8(o) : (v, _b, o) => v.getUint8(o);
    if (size === 2) return signed ? (v, _b, o) => v.getInt16(o, true) : (v, _b, o) => v.getUint16(o, true);
    return signed ? (v, _b, o) => v.getInt32(o, true) : (v, _b, o) => v.getUint32(o, true);
  }

  private compileStruct(typeId: number, fallback: Reader): Reader {
    const resolvedId = resolveTypeId(this.btf, typeId);
    const t = this.btf.type(resolvedId);
    if (t.kind !== Kind.STRUCT && t.kind !== Kind.UNION) return fallback;
    if (t.members.some((m) => m.bitfieldSize !== 0 || m.bitOffset % 8 !== 0)) return fallback;
    const tags = this.tags.get(resolvedId);
    const fields = t.members.map((member, index) => {
      const name = member.name || `__anon${index}`;
      const start = member.bitOffset / 8;
      const size = this.btf.resolveSize(member.type, 8);
      const hint = (tags?.get(index) as FieldHint | undefined) ?? this.hints[name];
      const read: Reader = hint === 'ipv4' || hint === 'ipv6' || hint === 'dev_t' ? (_v, b, o) => formatHinted(hint, b.subarray(o, o + size)) : this.reader(member.type);
      return { name, start, read };
    });
    return (view, bytes, offset) => {
      const out: { [key: string]: JsonValue } = {};
      for (const field of fields) out[field.name] = field.read(view, bytes, offset + field.start);
      return out;
    };
  }
}

function isCharName(name: string, encoding: number): boolean {
  return (encoding & IntEncoding.CHAR) !== 0 || name === 'char' || name === 'unsigned char' || name === 'signed char';
}

function resolveTypeId(btf: Btf, typeId: number): number {
  let id = typeId;
  for (let depth = 0; depth < 32; depth++) {
    const t = btf.type(id);
    if (t.kind !== Kind.TYPEDEF && t.kind !== Kind.CONST && t.kind !== Kind.VOLATILE && t.kind !== Kind.RESTRICT && t.kind !== Kind.TYPE_TAG) return id;
    id = t.type;
  }
  return id;
}
