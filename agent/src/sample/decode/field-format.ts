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
import { DecoderCache } from './compiled-decoder.ts';
import { compileCells, type CompiledCells } from './compiled-cells.ts';
import { MemberHints } from './field-hints.ts';

/** Decodes through one BTF (BPF objects: 8-byte pointers), compiling a decoder per type on first use. */
export class TypeDecoder {
  private readonly decoders: DecoderCache;
  private readonly hints: MemberHints;
  constructor(private readonly btf: Btf, hints: Record<string, FieldHint> = {}) {
    this.hints = new MemberHints(btf, hints);
    this.decoders = new DecoderCache(btf, 8, this.hints);
  }

  /**
   * The cells of a map's entries compiled from key and value types (per-CPU values summed over
   * `slots` copies `stride` apart; `only` narrows the fields), or null for shapes that decode
   * first and flatten after.
   */
  compileCells(keyTypeId: number, valueTypeId: number, only: string[] | undefined, slots: number, stride: number): CompiledCells | null {
    return compileCells(this.btf, keyTypeId, valueTypeId, 8, this.hints, only, slots, stride);
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

  /** Decodes `slots` per-CPU copies of `size` bytes (each `stride` bytes apart), summed by one compiled decoder. */
  decodeSummed(typeId: number, bytes: Uint8Array, slots: number, stride: number, size: number): JsonValue {
    return this.decoders.decode(typeId, bytes.subarray(0, size), slots, stride);
  }
}
