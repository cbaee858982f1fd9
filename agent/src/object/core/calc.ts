/**
 * Computes a relocation's original and new values from the local and target specs (libbpf's
 * bpf_core_calc_relo): field offsets, sizes, signedness and shifts (bitfields included), type
 * ids, existence and sizes, and enumerator values. Values are unsigned 64-bit, as in libbpf.
 *
 * Load and store sizes on a 32-bit kernel. A program is compiled for the 64-bit BPF machine, so
 * `task->mm` and `task->nvcsw` (a pointer, an unsigned long) are 8-byte loads; on armhf those
 * fields are 4 bytes. A byte_off relocation on a plain (non-bitfield) field therefore reports
 * the field's size on both sides, and when they differ the LDX/ST/STX is resized (patch.ts):
 *     r1 = *(u64 *)(r2 + 1192)   becomes   r1 = *(u32 *)(r2 + 444)     (offsets for illustration)
 * That is only right when the narrow value, zero-extended to 64 bits, is the value the program
 * expects. BPF loads zero-extend, so it holds for pointers (a 32-bit kernel address is the same
 * number in 64 bits) and for unsigned integers. It fails for everything else: a signed `long`
 * holding -1 would arrive as 4294967295, and a struct, array, enum or float whose size changed
 * has a different layout, not a shorter copy of the same one. Such a load would give a wrong
 * value without any error, so instead the instruction is poisoned (`failMemSizeAdjust`): the
 * verifier refuses the program if it can reach it, and the loader names the relocation. Use
 * bpf_core_read() into a variable of the right size, or a CO-RE flavour per layout, for those.
 */
import { isAnyEnum } from '../../btf/kinds.ts';
import { CoreReloKind } from '../../btf/ext.ts';
import { CoreFault } from './errors.ts';
import { isEnumvalBased, isFieldBased, isTypeBased } from './kinds.ts';
import { sizeOf, type Spec } from './spec.ts';
import { IntEncoding, Kind } from '../../abi/btf-kinds.ts';

export interface RelocationResult {
  original: bigint;
  value: bigint;
  /** The instruction must be replaced by a poison call. */
  poison: boolean;
  /** The instruction must hold `original` before patching. */
  validate: boolean;
  /** Load/store size would change in a way that corrupts the value (not a pointer or unsigned int). */
  failMemSizeAdjust: boolean;
  originalSize: number;
  newSize: number;
}

interface FieldValue {
  value: bigint;
  fieldSize: number;
  typeId: number;
  validate: boolean;
}

/** The field's value as one side's spec sees it. */
function fieldValue(spec: Spec, kind: number): FieldValue {
  const result: FieldValue = { value: 0n, fieldSize: 0, typeId: 0, validate: true };
  if (kind === CoreReloKind.FIELD_EXISTS) {
    result.value = 1n;
    return result;
  }
  const { btf } = spec.side;
  const acc = spec.accessors[spec.accessors.length - 1]!;
  if (acc.name === null) {
    if (kind === CoreReloKind.FIELD_BYTE_OFFSET) {
      result.value = BigInt(Math.floor(spec.bitOffset / 8));
      result.fieldSize = sizeOf(spec.side, acc.typeId);
      result.typeId = acc.typeId;
    } else if (kind === CoreReloKind.FIELD_BYTE_SIZE) {
      result.value = BigInt(sizeOf(spec.side, acc.typeId));
    } else {
      throw new CoreFault('malformed-object', `relo ${kind} can't be applied to array access`);
    }
    return result;
  }
  const owner = btf.type(acc.typeId);
  if (owner.kind !== Kind.STRUCT && owner.kind !== Kind.UNION) throw new CoreFault('malformed-object', `accessor type [${acc.typeId}] is not a struct or union`);
  const member = owner.members[acc.index]!;
  const memberType = btf.skipModsAndTypedefs(member.type);
  const bitOffset = spec.bitOffset;
  let bitSize = member.bitfieldSize;
  const bitfield = bitSize > 0;
  let byteSize: number;
  let byteOffset: number;
  if (bitfield) {
    if (!('size' in memberType) || memberType.size === 0) throw new CoreFault('damaged-btf', `bitfield member '${member.name}' has a type without a size`);
    byteSize = memberType.size;
    byteOffset = Math.floor(bitOffset / 8 / byteSize) * byteSize;
    while (bitOffset + bitSize - byteOffset * 8 > byteSize * 8) {
      if (byteSize >= 8) throw new CoreFault('incompatible-field', `relo ${kind} can't be satisfied for bitfield`);
      byteSize *= 2;
      byteOffset = Math.floor(bitOffset / 8 / byteSize) * byteSize;
    }
  } else {
    byteSize = sizeOf(spec.side, memberType.id);
    byteOffset = Math.floor(bitOffset / 8);
    bitSize = byteSize * 8;
  }
  result.validate = !bitfield;
  switch (kind) {
    case CoreReloKind.FIELD_BYTE_OFFSET:
      result.value = BigInt(byteOffset);
      if (!bitfield) {
        result.fieldSize = byteSize;
        result.typeId = memberType.id;
      }
      break;
    case CoreReloKind.FIELD_BYTE_SIZE:
      result.value = BigInt(byteSize);
      break;
    case CoreReloKind.FIELD_SIGNED:
      result.value = (isAnyEnum(memberType) && memberType.signed) || (memberType.kind === Kind.INT && (memberType.encoding & IntEncoding.SIGNED) !== 0) ? 1n : 0n;
      result.validate = true;
      break;
    case CoreReloKind.FIELD_LSHIFT_U64:
      result.value = BigInt(64 - (bitOffset + bitSize - byteOffset * 8));
      break;
    case CoreReloKind.FIELD_RSHIFT_U64:
      result.value = BigInt(64 - bitSize);
      result.validate = true;
      break;
  }
  return result;
}

function typeValue(spec: Spec | null, kind: number): bigint {
  if (!spec) return 0n;
  switch (kind) {
    case CoreReloKind.TYPE_ID_TARGET:
      return BigInt(spec.rootTypeId);
    case CoreReloKind.TYPE_SIZE:
      return BigInt(sizeOf(spec.side, spec.rootTypeId));
    default:
      return 1n;
  }
}

/**
 * The target's field value. Without a target spec, field_exists is 0 and every other kind has
 * none (null): libbpf answers -EUCLEAN there, and the instruction is poisoned.
 */
function targetFieldValue(spec: Spec | null, kind: number): FieldValue | null {
  if (spec) return fieldValue(spec, kind);
  return kind === CoreReloKind.FIELD_EXISTS ? { value: 0n, fieldSize: 0, typeId: 0, validate: true } : null;
}

/** The enumerator's value as one side's spec sees it. */
function enumValue(spec: Spec, kind: number): bigint {
  if (kind === CoreReloKind.ENUMVAL_EXISTS) return 1n;
  const acc = spec.accessors[0]!;
  const t = spec.side.btf.type(acc.typeId);
  if (!isAnyEnum(t)) throw new CoreFault('damaged-btf', `type [${acc.typeId}] is not an enum`);
  const entry = t.values[acc.index]!;
  // libbpf widens a 32-bit enumerator as a signed int, a 64-bit one as unsigned.
  return t.kind === Kind.ENUM ? BigInt.asUintN(64, BigInt(entry.raw32)) : BigInt.asUintN(64, entry.value);
}

/** The target's enumerator value: 0 for enumval_exists without a target spec, else null (poison). */
function targetEnumValue(spec: Spec | null, kind: number): bigint | null {
  if (spec) return enumValue(spec, kind);
  return kind === CoreReloKind.ENUMVAL_EXISTS ? 0n : null;
}

/** libbpf's bpf_core_calc_relo for one local spec and one target spec (null: no candidate matched). */
export function calculate(local: Spec, target: Spec | null): RelocationResult {
  const result: RelocationResult = { original: 0n, value: 0n, poison: false, validate: true, failMemSizeAdjust: false, originalSize: 0, newSize: 0 };
  const kind = local.kind;
  if (isFieldBased(kind)) {
    const before = fieldValue(local, kind);
    result.original = before.value;
    result.validate = before.validate;
    result.originalSize = before.fieldSize;
    const after = targetFieldValue(target, kind);
    if (!after) return { ...result, poison: true };
    result.value = after.value;
    result.newSize = after.fieldSize;
    if (result.originalSize !== result.newSize && target) {
      const o = local.side.btf.type(before.typeId);
      const n = target.side.btf.type(after.typeId);
      const bothPointers = o.kind === Kind.PTR && n.kind === Kind.PTR;
      const bothUnsigned = o.kind === Kind.INT && n.kind === Kind.INT && o.encoding !== IntEncoding.SIGNED && n.encoding !== IntEncoding.SIGNED;
      result.failMemSizeAdjust = !bothPointers && !bothUnsigned;
    }
  } else if (isTypeBased(kind)) {
    result.original = typeValue(local, kind);
    result.validate = kind !== CoreReloKind.TYPE_ID_TARGET;
    result.value = typeValue(target, kind);
  } else if (isEnumvalBased(kind)) {
    result.original = enumValue(local, kind);
    const after = targetEnumValue(target, kind);
    if (after === null) return { ...result, poison: true };
    result.value = after;
  } else {
    throw new CoreFault('malformed-object', `unrecognized CO-RE relocation kind ${kind}`);
  }
  return result;
}
