/** The decoded shape of every BTF type (see the kernel's btf.rst); kind numbers are in abi/btf-kinds.ts. */
import { Kind, KIND_NAMES, type KindNumber } from '../abi/btf-kinds.ts';

export interface Member {
  name: string;
  type: number;
  /** Offset in bits from the start of the struct. */
  bitOffset: number;
  /** Bitfield width in bits, 0 when the member is not a bitfield. */
  bitfieldSize: number;
}

export interface EnumValue {
  name: string;
  /** The value as written, sign-extended when the enum is signed. */
  value: bigint;
  /** The raw 32-bit value of a 32-bit enum entry (libbpf keeps it as s32). */
  raw32: number;
}

export interface Param {
  name: string;
  type: number;
}

export interface DatasecEntry {
  type: number;
  offset: number;
  size: number;
}

interface Common {
  id: number;
  name: string;
  /** Byte offset of this type's record inside the BTF blob, for error messages. */
  at: number;
}

export type BtfType =
  | (Common & { kind: typeof Kind.UNKN })
  | (Common & { kind: typeof Kind.INT; size: number; encoding: number; bitOffset: number; bits: number })
  | (Common & { kind: typeof Kind.PTR | typeof Kind.TYPEDEF | typeof Kind.VOLATILE | typeof Kind.CONST | typeof Kind.RESTRICT | typeof Kind.TYPE_TAG; type: number })
  | (Common & { kind: typeof Kind.ARRAY; type: number; indexType: number; count: number })
  | (Common & { kind: typeof Kind.STRUCT | typeof Kind.UNION; size: number; members: Member[]; kindFlag: boolean })
  | (Common & { kind: typeof Kind.ENUM | typeof Kind.ENUM64; size: number; values: EnumValue[]; signed: boolean })
  | (Common & { kind: typeof Kind.FWD; isUnion: boolean })
  | (Common & { kind: typeof Kind.FUNC; type: number; linkage: number })
  | (Common & { kind: typeof Kind.FUNC_PROTO; returnType: number; params: Param[] })
  | (Common & { kind: typeof Kind.VAR; type: number; linkage: number })
  | (Common & { kind: typeof Kind.DATASEC; size: number; entries: DatasecEntry[] })
  | (Common & { kind: typeof Kind.FLOAT; size: number })
  | (Common & { kind: typeof Kind.DECL_TAG; type: number; componentIndex: number });

export type TypeOfKind<K extends KindNumber> = Extract<BtfType, { kind: K }>;

/** Types that wrap another type without changing its layout. */
export function isModifier(t: BtfType): t is TypeOfKind<typeof Kind.VOLATILE | typeof Kind.CONST | typeof Kind.RESTRICT | typeof Kind.TYPE_TAG> {
  return t.kind === Kind.VOLATILE || t.kind === Kind.CONST || t.kind === Kind.RESTRICT || t.kind === Kind.TYPE_TAG;
}

export function isComposite(t: BtfType): t is TypeOfKind<typeof Kind.STRUCT | typeof Kind.UNION> {
  return t.kind === Kind.STRUCT || t.kind === Kind.UNION;
}

export function isAnyEnum(t: BtfType): t is TypeOfKind<typeof Kind.ENUM | typeof Kind.ENUM64> {
  return t.kind === Kind.ENUM || t.kind === Kind.ENUM64;
}

export function kindName(t: BtfType): string {
  return KIND_NAMES[t.kind] ?? 'unknown';
}
