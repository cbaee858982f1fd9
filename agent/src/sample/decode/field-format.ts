/**
 * Decodes a map key, map value or ring buffer record through the object's BTF into the shape
 * records carry, with one compiled decoder per type (compiled-decoder.ts): struct members become
 * named fields, and members the C tagged with a BTF decl tag (`ipv4`, `ipv6`, `dev_t`), or that
 * the manifest hints, are formatted as addresses and device numbers. Per-CPU values are summed
 * member by member, exactly. Pure.
 */
import type { Btf } from '../../btf/btf.ts';
import type { JsonValue } from './btf-value.ts';
import type { FieldHint } from './manifest.ts';
import { Kind } from '../../abi/btf-kinds.ts';
import { jsonInteger } from '../../bytes/json-integer.ts';
import { DecoderCache } from './compiled-decoder.ts';
import { MemberHints } from './field-hints.ts';

const INTEGER_TEXT = /^-?\d+$/;

/**
 * `a + b` member by member: numbers (and decimal strings of big ones) add, exactly (a sum beyond
 * 2^53 becomes decimal text, as 64-bit values do); the rest keep `a`.
 */
export function sumValues(a: JsonValue, b: JsonValue): JsonValue {
  if (typeof a === 'number' && typeof b === 'number') {
    const sum = a + b;
    return Number.isSafeInteger(a) && Number.isSafeInteger(b) && !Number.isSafeInteger(sum) ? jsonInteger(BigInt(a) + BigInt(b)) : sum;
  }
  if ((typeof a === 'number' || typeof a === 'string') && (typeof b === 'number' || typeof b === 'string') && INTEGER_TEXT.test(String(a)) && INTEGER_TEXT.test(String(b))) {
    return jsonInteger(BigInt(a) + BigInt(b));
  }
  if (Array.isArray(a) && Array.isArray(b)) return a.map((item, i) => sumValues(item, b[i] ?? 0));
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const out: { [key: string]: JsonValue } = {};
    for (const name in a) out[name] = sumValues(a[name]!, b[name] ?? 0);
    return out;
  }
  return a;
}

/** Decodes through one BTF (BPF objects: 8-byte pointers), compiling a decoder per type on first use. */
export class TypeDecoder {
  private readonly decoders: DecoderCache;
  constructor(private readonly btf: Btf, hints: Record<string, FieldHint> = {}) {
    this.decoders = new DecoderCache(btf, 8, new MemberHints(btf, hints));
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

  /** Decodes `bytes` whole; a view into a larger buffer (a batch, a ring) costs no copy. */
  decode(typeId: number, bytes: Uint8Array): JsonValue {
    return this.decoders.decode(typeId, bytes);
  }

  /** Decodes `slots` per-CPU copies (each `stride` bytes apart) and sums them. */
  decodeSummed(typeId: number, bytes: Uint8Array, slots: number, stride: number, size: number): JsonValue {
    let total = this.decode(typeId, bytes.subarray(0, size));
    for (let cpu = 1; cpu < slots; cpu++) total = sumValues(total, this.decode(typeId, bytes.subarray(cpu * stride, cpu * stride + size)));
    return total;
  }
}
