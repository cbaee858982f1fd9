/**
 * The three type-equivalence relations of CO-RE, as libbpf defines them:
 * - fields are compatible (field relocations: any two composites, same-named enums, ints);
 * - types are compatible (type-based relocations: same kind, recursively through ptr/array/proto);
 * - types match (type_matches: members, enumerators and signatures must line up by name).
 * Recursion is bounded by libbpf's depth limits; exceeding them is an error, as in libbpf.
 *
 * They grow stricter in that order, and only the last is one-way. Field compatibility asks
 * "can this access be patched?": sizes are free to differ (calc.ts handles that), any two
 * pointers or composites pass, and enum names only matter when both have one. Type compatibility
 * asks "is this the same sort of type?": the kinds must agree at every level through pointers,
 * arrays and prototypes, but composites and enums are accepted without looking inside. Type
 * matching asks "does the kernel's type have the shape the program declares?": names, int sizes
 * and signedness, array lengths, and every local member or enumerator must be found in the
 * target, which may have more; so a local subset matches its superset but not the other way.
 * test/unit/object/core-compat.test.ts tabulates all three, both ways.
 */
import { essentialNameLength, type Btf } from '../../btf/btf.ts';
import { isAnyEnum, isComposite, type BtfType } from '../../btf/kinds.ts';
import { CoreFault } from './errors.ts';
import { Kind } from '../../abi/btf-kinds.ts';

const MAX_DEPTH = 32;

/** libbpf's btf_kind_core_compat: same kind, or both some kind of enum. */
export function kindsCompatible(a: BtfType, b: BtfType): boolean {
  return a.kind === b.kind || (isAnyEnum(a) && isAnyEnum(b));
}

function essentialNamesEqual(a: string, b: string): boolean {
  const length = essentialNameLength(a);
  return length === essentialNameLength(b) && a.slice(0, length) === b.slice(0, length);
}

function intWithoutOffset(t: BtfType): boolean {
  return t.kind === Kind.INT && t.bitOffset === 0;
}

export function fieldsCompatible(local: Btf, localId: number, target: Btf, targetId: number): boolean {
  for (let depth = 0; ; depth++) {
    if (depth > target.count + local.count) throw new CoreFault('damaged-btf', `array types [${localId}] and [${targetId}] nest in a cycle`);
    const l = local.skipModsAndTypedefs(localId);
    const t = target.skipModsAndTypedefs(targetId);
    if (isComposite(l) && isComposite(t)) return true;
    if (!kindsCompatible(l, t)) return false;
    switch (l.kind) {
      case Kind.PTR:
      case Kind.FLOAT:
        return true;
      case Kind.FWD:
      case Kind.ENUM:
      case Kind.ENUM64: {
        const ln = essentialNameLength(l.name);
        const tn = essentialNameLength(t.name);
        return ln === 0 || tn === 0 || (ln === tn && l.name.slice(0, ln) === t.name.slice(0, tn));
      }
      case Kind.INT:
        return intWithoutOffset(l) && intWithoutOffset(t);
      case Kind.ARRAY:
        localId = l.type;
        targetId = (t as typeof l).type;
        break;
      default:
        return false;
    }
  }
}

/** libbpf's __bpf_core_types_are_compat; returns false, true, or throws where libbpf returns -EINVAL. */
export function typesCompatible(local: Btf, localId: number, target: Btf, targetId: number, level = MAX_DEPTH): boolean {
  if (!kindsCompatible(local.type(localId), target.type(targetId))) return false;
  for (let depth = MAX_DEPTH; ; ) {
    if (--depth < 0) throw new CoreFault('damaged-btf', `types [${localId}] and [${targetId}] nest deeper than ${MAX_DEPTH} levels`);
    const l = local.skipModsAndTypedefs(localId);
    const t = target.skipModsAndTypedefs(targetId);
    if (!kindsCompatible(l, t)) return false;
    switch (l.kind) {
      case Kind.UNKN: case Kind.STRUCT: case Kind.UNION: case Kind.ENUM: case Kind.FWD: case Kind.ENUM64:
        return true;
      case Kind.INT:
        return intWithoutOffset(l) && intWithoutOffset(t);
      case Kind.PTR:
      case Kind.ARRAY:
        localId = l.type;
        targetId = (t as typeof l).type;
        break;
      case Kind.FUNC_PROTO: {
        const tp = t as typeof l;
        if (l.params.length !== tp.params.length) return false;
        for (let i = 0; i < l.params.length; i++) {
          if (level <= 0) throw new CoreFault('damaged-btf', `function prototypes [${l.id}] and [${t.id}] nest deeper than ${MAX_DEPTH} levels`);
          const lp = local.skipModsAndTypedefs(l.params[i]!.type).id;
          const tpId = target.skipModsAndTypedefs(tp.params[i]!.type).id;
          if (!typesCompatible(local, lp, target, tpId, level - 1)) return false;
        }
        localId = local.skipModsAndTypedefs(l.returnType).id;
        targetId = target.skipModsAndTypedefs(tp.returnType).id;
        break;
      }
      default:
        return false;
    }
  }
}

/** libbpf's bpf_core_names_match: an anonymous target matches only an anonymous local. */
function namesMatch(localName: string, targetName: string): boolean {
  if (targetName === '') return localName === '';
  return essentialNamesEqual(localName, targetName);
}

/** libbpf's __bpf_core_types_match (the type_matches relocation). */
export function typesMatch(local: Btf, localId: number, target: Btf, targetId: number, behindPointer = false, level = MAX_DEPTH): boolean {
  if (level <= 0) throw new CoreFault('damaged-btf', `types [${localId}] and [${targetId}] nest deeper than ${MAX_DEPTH} levels`);
  for (let depth = MAX_DEPTH; ; ) {
    if (--depth < 0) throw new CoreFault('damaged-btf', `types [${localId}] and [${targetId}] nest deeper than ${MAX_DEPTH} levels`);
    const l = local.skipModsAndTypedefs(localId);
    const t = target.skipModsAndTypedefs(targetId);
    if (!namesMatch(l.name, t.name)) return false;
    switch (l.kind) {
      case Kind.UNKN:
        return t.kind === Kind.UNKN;
      case Kind.FWD:
        if (behindPointer) {
          if (t.kind === Kind.FWD) return l.isUnion === t.isUnion;
          return (t.kind === Kind.STRUCT && !l.isUnion) || (t.kind === Kind.UNION && l.isUnion);
        }
        return t.kind === Kind.FWD && l.isUnion === t.isUnion;
      case Kind.ENUM:
      case Kind.ENUM64:
        return isAnyEnum(t) && enumsMatch(l, t);
      case Kind.STRUCT:
      case Kind.UNION:
        if (behindPointer) {
          if (t.kind === l.kind) return true;
          return t.kind === Kind.FWD && (l.kind === Kind.UNION) === t.isUnion;
        }
        return t.kind === l.kind && compositesMatch(local, l, target, t as typeof l, behindPointer, level);
      case Kind.INT:
        return t.kind === Kind.INT && l.size === t.size && (l.encoding & 1) === (t.encoding & 1);
      case Kind.PTR:
        if (t.kind !== Kind.PTR) return false;
        behindPointer = true;
        localId = l.type;
        targetId = t.type;
        break;
      case Kind.ARRAY:
        if (t.kind !== Kind.ARRAY || l.count !== t.count) return false;
        localId = l.type;
        targetId = t.type;
        break;
      case Kind.FUNC_PROTO: {
        if (t.kind !== Kind.FUNC_PROTO || l.params.length !== t.params.length) return false;
        for (let i = 0; i < l.params.length; i++) {
          if (!typesMatch(local, l.params[i]!.type, target, t.params[i]!.type, behindPointer, level - 1)) return false;
        }
        localId = l.returnType;
        targetId = t.returnType;
        break;
      }
      default:
        return false;
    }
  }
}

function enumsMatch(l: Extract<BtfType, { kind: 6 | 19 }>, t: Extract<BtfType, { kind: 6 | 19 }>): boolean {
  if (l.size !== t.size || l.values.length > t.values.length) return false;
  return l.values.every((lv) => t.values.some((tv) => namesMatch(lv.name, tv.name)));
}

function compositesMatch(local: Btf, l: Extract<BtfType, { kind: 4 | 5 }>, target: Btf, t: Extract<BtfType, { kind: 4 | 5 }>, behindPointer: boolean, level: number): boolean {
  if (l.members.length > t.members.length) return false;
  for (const lm of l.members) {
    let matched = false;
    for (const tm of t.members) {
      if (!namesMatch(lm.name, tm.name)) continue;
      if (typesMatch(local, lm.type, target, tm.type, behindPointer, level - 1)) {
        matched = true;
        break;
      }
    }
    if (!matched) return false;
  }
  return true;
}
