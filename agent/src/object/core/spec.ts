/**
 * CO-RE access specs, as libbpf builds them: the low-level spec is the parsed access string
 * (`0:1:3`), the high-level spec keeps only named fields and array indexes, and the bit offset
 * is accumulated along the way. `formatSpec` prints a spec the way libbpf's debug log does.
 */
import type { Btf } from '../../btf/btf.ts';
import type { CoreRelo } from '../../btf/ext.ts';
import { isAnyEnum, isComposite, Kind, kindName } from '../../btf/kinds.ts';
import { CoreFault } from './errors.ts';
import { isEnumvalBased, isFieldBased, isTypeBased } from './kinds.ts';

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
