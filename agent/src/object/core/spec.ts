/**
 * CO-RE access specs, as libbpf builds them (bpf_core_parse_spec).
 *
 * For every `p->a.b[2]` a program reads through BPF_CORE_READ or preserve_access_index, clang
 * records a root type and an access string: colon-separated indexes, walked from the root.
 * - The first index treats the root pointer as an array (`p[0]`, almost always 0) and adds
 *   index × sizeof(root) to the offset.
 * - Each later index is read against the type reached so far (typedefs and modifiers skipped):
 *   in a struct or union it is a member number, and adds the member's bit offset; in an array it
 *   is an element number, and adds index × element size.
 *
 * Two lists come out. `raw` is every index, the low-level spec. `accessors` is the high-level
 * spec: the root index, each *named* member (by name, since names are what survive from one
 * kernel to the next) and each array index. An anonymous struct or union member adds to the
 * offset and to `raw` but gets no accessor: in the target, the named member inside it is
 * searched for by name, wherever its anonymous container happens to sit.
 *
 * Worked example (test/unit/object/core.test.ts). The program declares
 *     struct task_struct___local { long pad; struct task_struct___local *real_parent; int tgid;
 *                                  int pid; unsigned long nvcsw; long utime; struct flags_t f;
 *                                  int anon_b; ... };
 * and reads `t->anon_b`. clang emits root `struct task_struct___local`, access `0:7`:
 *     0  the root as p[0]                  offset 0       accessor [0]
 *     7  member #7, anon_b, at byte 44     offset 44      accessor .anon_b
 * The local spec is `struct task_struct___local.anon_b (0:7 @ offset 44)`. match.ts carries
 * the example on to the target; calc.ts turns the two specs into the new offset.
 *
 * Enumerator relocations have a one-index access string (the enumerator's number); type-based
 * ones have `0` and no walk. `describeSpec` prints a spec the way libbpf's debug log does.
 */
import type { Btf } from '../../btf/btf.ts';
import type { CoreRelo } from '../../btf/ext.ts';
import { isAnyEnum, isComposite, kindName } from '../../btf/kinds.ts';
import { CoreFault } from './errors.ts';
import { isEnumvalBased, isFieldBased, isTypeBased } from './kinds.ts';
import { Kind } from '../../abi/btf-kinds.ts';

/** libbpf's BPF_CORE_SPEC_MAX_LEN. */
export const SPEC_MAX_LEN = 64;

/** A BTF together with the pointer size its types are measured with. */
export interface SizedBtf {
  btf: Btf;
  pointerSize: number;
}

export interface Accessor {
  typeId: number;
  index: number;
  /** Field or enumerator name; null for an array index. */
  name: string | null;
}

export interface Spec {
  side: SizedBtf;
  rootTypeId: number;
  kind: number;
  accessors: Accessor[];
  raw: number[];
  bitOffset: number;
}

export function emptySpec(side: SizedBtf, rootTypeId: number, kind: number): Spec {
  return { side, rootTypeId, kind, accessors: [], raw: [], bitOffset: 0 };
}

export function sizeOf(side: SizedBtf, id: number): number {
  return side.btf.resolveSize(id, side.pointerSize);
}

/** Like libbpf's is_flex_arr: a zero-length array that is the last member of its struct. */
export function isFlexArray(btf: Btf, previous: Accessor | undefined, count: number): boolean {
  if (!previous || previous.name === null || count > 0) return false;
  const t = btf.type(previous.typeId);
  return isComposite(t) && previous.index === t.members.length - 1;
}

/** A local spec that cannot be parsed: the object's records do not fit its own BTF. */
function fail(problem: string): never {
  throw new CoreFault('malformed-object', problem);
}

/** Parses a relocation's access string against the local BTF (libbpf's bpf_core_parse_spec). */
export function parseLocalSpec(side: SizedBtf, relo: CoreRelo): Spec {
  const { btf } = side;
  const spec = emptySpec(side, relo.typeId, relo.kind);
  const text = relo.access;
  if (text === '' || text.startsWith(':')) fail(`access string '${text}' is empty or malformed`);
  if (isTypeBased(relo.kind)) {
    if (text !== '0') fail(`type-based relocation has access string '${text}', expected '0'`);
    return spec;
  }
  for (const part of text.split(':')) {
    if (!/^[+-]?\d+$/.test(part)) fail(`access string '${text}' is malformed`);
    if (spec.raw.length === SPEC_MAX_LEN) fail(`access string '${text}' is longer than ${SPEC_MAX_LEN} steps`);
    spec.raw.push(Number(part));
  }
  let t = btf.skipModsAndTypedefs(relo.typeId);
  let id = t.id;
  const first = spec.raw[0]!;
  spec.accessors.push({ typeId: id, index: first, name: null });

  if (isEnumvalBased(relo.kind)) {
    if (!isAnyEnum(t) || spec.raw.length > 1 || first < 0 || first >= t.values.length) fail(`enum value access '${text}' does not name an enumerator of type [${relo.typeId}]`);
    spec.accessors[0]!.name = t.values[first]!.name;
    return spec;
  }
  if (!isFieldBased(relo.kind)) fail(`relocation kind ${relo.kind} is unknown`);

  spec.bitOffset = first * sizeOf(side, id) * 8;
  for (let i = 1; i < spec.raw.length; i++) {
    t = btf.skipModsAndTypedefs(id);
    id = t.id;
    const index = spec.raw[i]!;
    if (isComposite(t)) {
      const member = t.members[index];
      if (index < 0 || member === undefined) fail(`access '${text}' step ${i} picks member ${index} of ${btf.describe(id)}, which has ${t.members.length}`);
      spec.bitOffset += member.bitOffset;
      if (member.name !== '') spec.accessors.push({ typeId: id, index, name: member.name });
      id = member.type;
    } else if (t.kind === Kind.ARRAY) {
      const element = btf.skipModsAndTypedefs(t.type);
      id = element.id;
      const flex = isFlexArray(btf, spec.accessors[spec.accessors.length - 1], t.count);
      if (!flex && index >= t.count) fail(`access '${text}' step ${i} indexes element ${index} of an array of ${t.count}`);
      spec.accessors.push({ typeId: id, index, name: null });
      spec.bitOffset += index * sizeOf(side, id) * 8;
    } else {
      fail(`relo for [${relo.typeId}] ${text} (at idx ${i}) captures type [${id}] of unexpected kind ${kindName(t)}`);
    }
  }
  return spec;
}

/** The spec as libbpf prints it, without the `<kind> [id] ` prefix: `struct s.a[2] (0:1:2 @ offset 8)`. */
export function describeSpec(spec: Spec): string {
  const { btf } = spec.side;
  const root = btf.type(spec.rootTypeId);
  let out = `${kindName(root)} ${root.name === '' ? '<anon>' : root.name}`;
  if (isTypeBased(spec.kind)) return out;
  if (isEnumvalBased(spec.kind)) {
    const t = btf.skipModsAndTypedefs(spec.rootTypeId);
    const value = isAnyEnum(t) ? t.values[spec.raw[0]!] : undefined;
    return value ? `${out}::${value.name} = ${value.value}` : out;
  }
  spec.accessors.forEach((acc, i) => {
    if (acc.name !== null) out += `.${acc.name}`;
    else if (i > 0 || acc.index > 0) out += `[${acc.index}]`;
  });
  const offset = spec.bitOffset % 8 === 0 ? `${spec.bitOffset / 8}` : `${Math.floor(spec.bitOffset / 8)}.${spec.bitOffset % 8}`;
  return `${out} (${spec.raw.join(':')} @ offset ${offset})`;
}
