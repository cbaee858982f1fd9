/**
 * How CO-RE fails. Deep inside the engine (spec parsing, candidate matching, the compatibility
 * relations, value calculation, instruction patching) a failure is a CoreFault: what went wrong,
 * in which category, with no knowledge of where. relocate.ts, which knows the site, turns every
 * fault into a CoreRelocationError carrying the program, relocation index, instruction index and
 * relocation kind as typed fields, a libbpf-shaped message (`prog 'x': relo #3: insn #12: ...`),
 * and advice chosen by the category, so the user reads what to do about this failure in
 * particular and a caller can branch on `problem` or the site without parsing text.
 */
import { MoteError, sitePrefix } from '../../errors.ts';

/** Where in an object a relocation failed, in libbpf's numbering. */
export interface CoreRelocationSite {
  program: string;
  /** The record's index in its ELF section's core_relo list (libbpf's `relo #N`). */
  relocation: number;
  /** The instruction's index within its (sub)program (libbpf's `insn #M`). */
  instruction: number;
  /** libbpf's name of the relocation kind: `byte_off`, `type_exists`, `enumval_value`, ... */
  kind: string;
}

/** What kind of failure it is; each has its own advice. */
export type CoreProblem =
  /** The object's CO-RE records do not fit its own BTF or instructions. */
  | 'malformed-object'
  /** A relocation names a type without a name, which cannot be looked up in the target. */
  | 'anonymous-type'
  /** The target BTF holds several same-named candidates that give different answers. */
  | 'ambiguous-target'
  /** The field exists in the target, but its layout there cannot be patched in. */
  | 'incompatible-field'
  /** A BTF is damaged or nests types past libbpf's limits. */
  | 'damaged-btf';

const ADVICE: Record<CoreProblem, string> = {
  'malformed-object': 'the object does not look as clang emits it: rebuild it from source with clang -O2 -g -target bpf and load it unmodified',
  'anonymous-type': 'CO-RE finds target types by name: give the struct, union or enum a name (a typedef of an anonymous type is not enough)',
  'ambiguous-target':
    "the target BTF holds several types of this name (ignoring '___suffix' flavours) that disagree: load against the kernel's own /sys/kernel/btf/vmlinux, or regenerate the minimized BTF for this kernel release (npx mote btf)",
  'incompatible-field':
    "the kernel changed this field's layout: describe each layout as a CO-RE flavour ('struct name___suffix') and choose between them with bpf_core_field_exists() or bpf_core_field_size()",
  'damaged-btf': "a BTF is damaged or nests types deeper than libbpf allows: rebuild the object, and regenerate the target BTF (npx mote btf) or use the kernel's /sys/kernel/btf/vmlinux",
};

/** A failure raised inside the engine, before it knows which relocation it is working on. */
export class CoreFault extends Error {
  constructor(
    readonly problem: CoreProblem,
    readonly detail: string,
  ) {
    super(detail);
  }
}

/** A CO-RE relocation libbpf would refuse, with its site, category and advice. */
export class CoreRelocationError extends MoteError implements CoreRelocationSite {
  readonly program: string;
  readonly relocation: number;
  readonly instruction: number;
  readonly kind: string;

  constructor(
    site: CoreRelocationSite,
    readonly problem: CoreProblem,
    readonly detail: string,
  ) {
    super(`${sitePrefix(site)}${detail}; ${ADVICE[problem]}`);
    this.program = site.program;
    this.relocation = site.relocation;
    this.instruction = site.instruction;
    this.kind = site.kind;
  }
}
