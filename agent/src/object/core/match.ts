/**
 * Candidate search and spec matching (libbpf's bpf_core_add_cands and bpf_core_spec_match): find
 * target types whose names equal the local one modulo `___flavor`, then walk the local access
 * spec through each candidate to build the target spec.
 */
import { essentialName, essentialNameLength, type Btf } from '../../btf/btf.ts';
import { isAnyEnum, isComposite, Kind } from '../../btf/kinds.ts';
import { CoreReloKind } from '../../btf/ext.ts';
import { fieldsCompatible, kindsCompatible, typesCompatible, typesMatch } from './compat.ts';
import { CoreFault } from './errors.ts';
import { isEnumvalBased, isTypeBased } from './kinds.ts';
import { emptySpec, isFlexArray, sizeOf, SPEC_MAX_LEN, type Accessor, type SizedBtf, type Spec } from './spec.ts';

/** Target type ids that are candidates for local type `localId`, in target id order. */
export function findCandidates(local: Btf, localId: number, target: Btf): number[] {
  const localType = local.type(localId);
  return target.idsByEssentialName(essentialName(localType.name)).filter((id) => kindsCompatible(target.type(id), localType));
}

/** Returns the target spec when the local spec matches candidate `targetId`, else null. */
export function matchSpec(local: Spec, target: SizedBtf, targetId: number): Spec | null {
  const spec = emptySpec(target, targetId, local.kind);
  const localBtf = local.side.btf;
  const targetBtf = target.btf;
  if (isTypeBased(local.kind)) {
    const ok = local.kind === CoreReloKind.TYPE_MATCHES
      ? typesMatch(localBtf, local.rootTypeId, targetBtf, targetId)
      : typesCompatible(localBtf, local.rootTypeId, targetBtf, targetId);
    return ok ? spec : null;
  }
  if (isEnumvalBased(local.kind)) {
    const t = targetBtf.skipModsAndTypedefs(targetId);
    if (!isAnyEnum(t)) return null;
    const wanted = local.accessors[0]!.name!;
    const length = essentialNameLength(wanted);
    const index = t.values.findIndex((v) => essentialNameLength(v.name) === length && v.name.slice(0, length) === wanted.slice(0, length));
    if (index < 0) return null;
    spec.accessors.push({ typeId: t.id, index, name: t.values[index]!.name });
    spec.raw.push(index);
    return spec;
  }
  let id = targetId;
  for (let i = 0; i < local.accessors.length; i++) {
    const localAcc = local.accessors[i]!;
    const t = targetBtf.skipModsAndTypedefs(id);
    id = t.id;
    if (localAcc.name !== null) {
      const next = matchMember(local.side, localAcc, target, id, spec, { steps: 0 });
      if (next === null) return null;
      id = next;
      continue;
    }
    if (i > 0) {
      if (t.kind !== Kind.ARRAY) return null;
      const flex = isFlexArray(targetBtf, spec.accessors[i - 1], t.count);
      if (!flex && localAcc.index >= t.count) return null;
      id = targetBtf.skipModsAndTypedefs(t.type).id;
    }
    if (spec.raw.length === SPEC_MAX_LEN) throw new CoreFault('damaged-btf', `target spec for [${targetId}] is longer than ${SPEC_MAX_LEN} steps`);
    spec.accessors.push({ typeId: id, index: localAcc.index, name: null });
    spec.raw.push(localAcc.index);
    spec.bitOffset += localAcc.index * sizeOf(target, id) * 8;
  }
  return spec;
}

/** Bounds the exhaustive search through anonymous members, which a hostile BTF could make exponential. */
const MAX_MEMBER_STEPS = 1_000_000;

/**
 * Finds the member named like `localAcc` in composite `targetId`, descending into anonymous
 * members. Extends `spec` and returns the member's type id, or null when there is no compatible
 * member (libbpf's bpf_core_match_member).
 */
function matchMember(local: SizedBtf, localAcc: Accessor, target: SizedBtf, targetId: number, spec: Spec, budget: { steps: number }): number | null {
  const t = target.btf.skipModsAndTypedefs(targetId);
  if (!isComposite(t)) return null;
  const localType = local.btf.type(localAcc.typeId);
  if (!isComposite(localType)) throw new CoreFault('malformed-object', `local accessor type [${localAcc.typeId}] is not a struct or union`);
  const localMember = localType.members[localAcc.index]!;
  for (let i = 0; i < t.members.length; i++) {
    if (++budget.steps > MAX_MEMBER_STEPS) throw new CoreFault('damaged-btf', `member search in ${target.btf.describe(t.id)} exceeds ${MAX_MEMBER_STEPS} steps; the target BTF nests anonymous members pathologically`);
    const member = t.members[i]!;
    if (spec.raw.length === SPEC_MAX_LEN) throw new CoreFault('damaged-btf', `struct/union/array nesting in ${target.btf.describe(t.id)} is deeper than ${SPEC_MAX_LEN}`);
    spec.bitOffset += member.bitOffset;
    spec.raw.push(i);
    if (member.name === '') {
      const found = matchMember(local, localAcc, target, member.type, spec, budget);
      if (found !== null) return found;
    } else if (member.name === localMember.name) {
      spec.accessors.push({ typeId: t.id, index: i, name: member.name });
      return fieldsCompatible(local.btf, localMember.type, target.btf, member.type) ? member.type : null;
    }
    spec.bitOffset -= member.bitOffset;
    spec.raw.pop();
  }
  return null;
}
