/**
 * Candidate search and spec matching (libbpf's bpf_core_add_cands and bpf_core_spec_match).
 *
 * Candidates: every target type whose name equals the local root's with any `___suffix`
 * dropped (`task_struct___local` looks for `task_struct`, `task_struct___v2`, ...), and whose
 * kind is compatible (compat.ts). The program's flavours and the kernel's names meet there.
 *
 * Matching walks the local high-level spec (spec.ts) through one candidate, building the target
 * spec as it goes:
 * - an array accessor must meet an array in the target (the root's p[0] excepted) with room for
 *   the index, unless it is a flexible array at the end of its struct;
 * - a named accessor is looked up by name among the target's members, descending into anonymous
 *   structs and unions depth-first, each one adding its member number to `raw` and its offset;
 *   once found, local and target member types must be field-compatible (compat.ts), else the
 *   candidate does not match.
 * Continuing spec.ts's example: the armhf kernel has
 *     struct task_struct { int pid; int tgid; struct task_struct *real_parent; unsigned long nvcsw;
 *                          long utime; struct flags_t f; struct { int anon_a; int anon_b; }; ... };
 * Accessor [0] gives raw `0`, offset 0. Accessor .anon_b is not a direct member: member #6 is
 * anonymous (at byte 24), so the search enters it, pushes 6, and finds anon_b as its member #1
 * (4 bytes further): raw `0:6:1`, target spec `struct task_struct.anon_b (0:6:1 @ offset 28)`.
 * The two ints are field-compatible, so the candidate matches, and calc.ts gives byte_off 44 -> 28
 * (the test reads it through bpf_core_read, so the patched instruction is an ALU `imm`).
 *
 * Enumerator relocations match an enumerator of the same essential name; type-based relocations
 * match when the whole types are compatible (or, for type_matches, match) in compat.ts's sense.
 */
import { essentialName, essentialNameLength, type Btf } from '../../btf/btf.ts';
import { isAnyEnum, isComposite } from '../../btf/kinds.ts';
import { CoreReloKind } from '../../btf/ext.ts';
import { fieldsCompatible, kindsCompatible, typesCompatible, typesMatch } from './compat.ts';
import { CoreFault } from './errors.ts';
import { isEnumvalBased, isTypeBased } from './kinds.ts';
import { emptySpec, isFlexArray, sizeOf, SPEC_MAX_LEN, type Accessor, type SizedBtf, type Spec } from './spec.ts';
import { Kind } from '../../abi/btf-kinds.ts';

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
