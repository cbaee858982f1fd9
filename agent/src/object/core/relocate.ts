/**
 * CO-RE as a pure function: `relocate(object, targetBtf)` resolves every BTF.ext core_relo record
 * against a target BTF and returns the fixups; `apply(object, fixups)` writes them into the
 * programs' instructions. Numbering follows libbpf 1.1: `relo #N` is the record's index in its
 * ELF section's core_relo list, `insn #M` is relative to the start of the (sub)program holding
 * the instruction, and records inside `.text` functions belong to those subprograms.
 *
 * One relocation, as libbpf's bpf_core_apply_relo_insn does it:
 * 1. parse the access string into the local spec (spec.ts);
 * 2. take the candidates for the local root type (match.ts) and match the spec against each;
 * 3. compute original and new values from the local spec and each matching target spec (calc.ts);
 *    all matching candidates must agree, else the relocation is ambiguous;
 * 4. check the instruction holds the original value and plan its edit, or its poisoning (patch.ts).
 * No matching candidate is not an error: existence checks answer 0, every other kind poisons
 * the instruction, and the verifier rejects the program only if that instruction is reachable.
 *
 * Why candidates are pruned. Candidates are found once per local type and cached for the whole
 * object; after each relocation, the cache keeps only the candidates that matched it. A target
 * can hold several types answering to one name (`foo` and `foo___v2`, or a duplicate left by a
 * BTF merge), and a local type is usually read by many relocations. Each relocation that only
 * some candidates satisfy is evidence about which type the program means, so later relocations
 * of the same local type choose among the survivors only: the program sees one consistent target
 * type instead of a field from one candidate and its neighbour from another, and an ambiguity
 * between candidates already ruled out is not reported. When no candidate matches (a field that
 * exists only in some kernels, behind bpf_core_field_exists()), the cache is left as it was, so
 * probing for a missing field does not throw away the type for every other access. The order of
 * relocations thus matters, exactly as in libbpf, which is why the cache is shared and ordered.
 *
 * Failures inside the steps are CoreFaults; relocateOne gives them the relocation's site
 * (errors.ts).
 */
import type { Btf } from '../../btf/btf.ts';
import { MoteError } from '../../errors.ts';
import { CoreReloKind, type CoreRelo } from '../../btf/ext.ts';
import { ObjectError } from '../errors.ts';
import { INSN_SIZE, Insns } from '../../abi/insn.ts';
import { programAt } from '../programs.ts';
import type { BpfObject, BpfProgram } from '../types.ts';
import { calculate, type RelocationResult } from './calc.ts';
import { CoreFault, CoreRelocationError, type CoreRelocationSite } from './errors.ts';
import { coreKindName } from './kinds.ts';
import { findCandidates, matchSpec } from './match.ts';
import { applyPatch, holdsPatchSources, planPatch, type Patch } from './patch.ts';
import { describeSpec, parseLocalSpec, type SizedBtf, type Spec } from './spec.ts';

export interface CoreFixup {
  program: string;
  relo: number;
  insn: number;
  /** libbpf's name of the relocation kind (`byte_off`, `field_exists`, `enumval_value`, ...). */
  kind: string;
  /** The local access, e.g. `struct task_struct.tgid (0:71 @ offset 1956)`. */
  local: string;
  /** The name of the local type the access starts from, flavour suffix included (`task_struct___old`). */
  localType: string;
  /** The matched target access, or null when no candidate matched. */
  target: string | null;
  /** The edits of the instruction, applied by `apply`; none when it is poisoned. */
  patches: Patch[];
  poisoned: boolean;
}

export interface RelocateOptions {
  /** Receives libbpf-shaped debug lines: `prog 'x': relo #3: insn #12: ...`. */
  log?: (line: string) => void;
  /**
   * Pointer size assumed for a target BTF without a `long` type (minimized BTFs): libbpf uses
   * the pointer size of the machine it runs on. Default 8 (a 64-bit host).
   */
  fallbackPointerSize?: number;
}

/** Candidates per local type id, pruned as relocations reject them (shared across the object, as in libbpf). */
type CandidateCache = Map<number, number[]>;

export function relocate(object: BpfObject, targetBtf: Btf, options: RelocateOptions = {}): CoreFixup[] {
  const log = options.log ?? (() => {});
  const ext = object.btfExt;
  if (!ext || ext.coreRelos.length === 0) return [];
  if (!object.btf) throw new ObjectError('the object has .BTF.ext but no .BTF; compile with clang -g');
  const local: SizedBtf = { btf: object.btf, pointerSize: object.btf.pointerSize(8) };
  const target: SizedBtf = { btf: targetBtf, pointerSize: targetBtf.pointerSize(options.fallbackPointerSize ?? 8) };
  const cache: CandidateCache = new Map();
  const fixups: CoreFixup[] = [];
  for (const section of ext.coreRelos) {
    const elfSection = object.elf.sectionByName(section.sectionName);
    if (!elfSection) throw new ObjectError(`.BTF.ext has CO-RE relocations for section '${section.sectionName}', which the object lacks`);
    log(`sec '${section.sectionName}': found ${section.records.length} CO-RE relocations`);
    section.records.forEach((record, index) => {
      if (record.insnOffset % INSN_SIZE !== 0) throw new ObjectError(`sec '${section.sectionName}': relo #${index}: instruction offset ${record.insnOffset} is not a multiple of 8`);
      const sectionInsn = record.insnOffset / INSN_SIZE;
      const program = programAt(object.programs, elfSection.index, sectionInsn);
      if (!program) {
        log(`sec '${section.sectionName}': skipping CO-RE relocation #${index} for insn #${sectionInsn} belonging to eliminated weak subprogram`);
        return;
      }
      if (!program.autoload) return;
      fixups.push(relocateOne(program, record, index, sectionInsn - program.sectionInsnOffset, local, target, cache, log));
    });
  }
  return fixups;
}

function relocateOne(program: BpfProgram, record: CoreRelo, index: number, insn: number, local: SizedBtf, target: SizedBtf, cache: CandidateCache, log: (line: string) => void): CoreFixup {
  const site: CoreRelocationSite = { program: program.name, relocation: index, instruction: insn, kind: coreKindName(record.kind) };
  try {
    return resolve(program, record, site, local, target, cache, log);
  } catch (e) {
    if (e instanceof CoreFault) throw new CoreRelocationError(site, e.problem, e.detail);
    // A BTF lookup that fails (an id out of range, a type of the wrong shape) is a damaged BTF.
    if (e instanceof MoteError) throw new CoreRelocationError(site, 'damaged-btf', e.message);
    throw e;
  }
}

function parseLocal(local: SizedBtf, record: CoreRelo): Spec {
  try {
    return parseLocalSpec(local, record);
  } catch (e) {
    if (!(e instanceof CoreFault)) throw e;
    const name = local.btf.type(record.typeId).name || '<anon>';
    throw new CoreFault(e.problem, `parsing [${record.typeId}] ${name} + ${record.access} failed: ${e.detail}`);
  }
}

function resolve(program: BpfProgram, record: CoreRelo, site: CoreRelocationSite, local: SizedBtf, target: SizedBtf, cache: CandidateCache, log: (line: string) => void): CoreFixup {
  const prefix = `prog '${site.program}': relo #${site.relocation}: `;
  const localSpec = parseLocal(local, record);
  log(`${prefix}<${site.kind}> [${record.typeId}] ${describeSpec(localSpec)}`);
  let result: RelocationResult;
  let targetSpec: Spec | null = null;
  if (record.kind === CoreReloKind.TYPE_ID_LOCAL) {
    result = { original: BigInt(record.typeId), value: BigInt(record.typeId), poison: false, validate: false, failMemSizeAdjust: false, originalSize: 0, newSize: 0 };
  } else {
    if (local.btf.type(record.typeId).name === '') throw new CoreFault('anonymous-type', `<${site.kind}> relocation doesn't support anonymous types`);
    ({ result, targetSpec } = resolveAgainstCandidates(localSpec, target, cache, (line) => log(`${prefix}${line}`)));
  }
  const insns = new Insns(program.insns);
  if (site.instruction >= insns.count) throw new CoreFault('malformed-object', `instruction is outside the program's ${insns.count} instructions`);
  const plan = planPatch(insns, site.instruction, result);
  for (const note of plan.notes) log(`${prefix}${note}`);
  return {
    program: site.program,
    relo: site.relocation,
    insn: site.instruction,
    kind: site.kind,
    local: describeSpec(localSpec),
    localType: local.btf.type(record.typeId).name,
    target: targetSpec ? describeSpec(targetSpec) : null,
    patches: plan.patches,
    poisoned: plan.poisoned,
  };
}

/**
 * Matches the local spec against every candidate still cached for its root type. All matching
 * candidates must agree (same offset, same value or all poisoned), or the relocation is
 * ambiguous; the ones that did not match are dropped from the cache for later relocations.
 */
function resolveAgainstCandidates(localSpec: Spec, target: SizedBtf, cache: CandidateCache, log: (line: string) => void): { result: RelocationResult; targetSpec: Spec | null } {
  const localId = localSpec.rootTypeId;
  const kind = coreKindName(localSpec.kind);
  let candidates = cache.get(localId);
  if (!candidates) {
    candidates = findCandidates(localSpec.side.btf, localId, target.btf);
    cache.set(localId, candidates);
  }
  const kept: number[] = [];
  let chosen: { result: RelocationResult; targetSpec: Spec } | null = null;
  for (const [i, id] of candidates.entries()) {
    const spec = matchSpec(localSpec, target, id);
    log(`${spec ? 'matching' : 'non-matching'} candidate #${i} <${kind}> [${id}] ${spec ? describeSpec(spec) : target.btf.describe(id)}`);
    if (!spec) continue;
    const candidate = calculate(localSpec, spec);
    if (chosen === null) {
      chosen = { result: candidate, targetSpec: spec };
    } else if (spec.bitOffset !== chosen.targetSpec.bitOffset) {
      throw new CoreFault('ambiguous-target', `field offset ambiguity: ${spec.bitOffset} != ${chosen.targetSpec.bitOffset}`);
    } else if (candidate.poison !== chosen.result.poison || candidate.value !== chosen.result.value) {
      const verdict = (r: RelocationResult) => `${r.poison ? 'failure' : 'success'} ${r.value}`;
      throw new CoreFault('ambiguous-target', `relocation decision ambiguity: ${verdict(candidate)} != ${verdict(chosen.result)}`);
    }
    kept.push(id);
  }
  if (kept.length > 0) cache.set(localId, kept);
  else log('no matching targets found');
  return chosen ?? { result: calculate(localSpec, null), targetSpec: null };
}

/**
 * The CO-RE flavours (`name___suffix` local types) the target matched, sorted: which layout of
 * each known kernel change a load took. A flavour none of whose accesses matched is left out.
 */
export function flavoursUsed(fixups: CoreFixup[]): string[] {
  const used = fixups.filter((f) => f.localType.includes('___') && f.target !== null && !f.poisoned).map((f) => f.localType);
  return [...new Set(used)].sort();
}

/**
 * Whether `fixups` made earlier (a cache's) fit this object's instructions: every program they
 * name exists and every patched instruction still holds the value the patch replaces. Call
 * before apply.
 */
export function fixupsFit(object: BpfObject, fixups: readonly CoreFixup[]): boolean {
  return fixups.every((fixup) => {
    const program = object.programs.find((p) => p.name === fixup.program);
    if (!program) return false;
    const insns = new Insns(program.insns);
    return fixup.insn < insns.count && holdsPatchSources(insns, fixup.insn, fixup.patches);
  });
}

/** Writes the fixups into the programs' instructions. Call once, before linking. */
export function apply(object: BpfObject, fixups: CoreFixup[]): void {
  for (const fixup of fixups) {
    const program = object.programs.find((p) => p.name === fixup.program);
    if (!program) throw new ObjectError(`CO-RE fixup for unknown program '${fixup.program}'`);
    applyPatch(new Insns(program.insns), fixup.insn, fixup);
  }
}
