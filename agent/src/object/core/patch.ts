/**
 * Turns a relocation result into edits of one instruction (libbpf's bpf_core_patch_insn):
 * `imm` of ALU ops, `off` (and `mem_sz` when a 32-bit target narrows a pointer or unsigned
 * field: see calc.ts for why only those) of loads and stores, both halves of ld_imm64, or
 * poisoning. Before patching, the instruction must hold the value the local spec predicts,
 * which catches objects whose records and code disagree. Planning reads the instruction;
 * applying writes.
 */
import { insnClass, InsnClass, InsnSource, LD_IMM64, memSizeBytes, memSizeCode, type Insns } from '../../abi/insn.ts';
import type { RelocationResult } from './calc.ts';
import { CoreFault, type CoreProblem } from './errors.ts';

export type PatchField = 'imm' | 'off' | 'mem_sz' | 'imm64';

export interface Patch {
  field: PatchField;
  /** The instruction's value before the patch, widened to u64 as libbpf logs it. */
  from: bigint;
  to: bigint;
}

export interface PatchPlan {
  patches: Patch[];
  poisoned: boolean;
  /** Human-readable lines in libbpf's debug-log shape, without the `prog 'x': relo #N: ` prefix. */
  notes: string[];
}

const SHRT_MAX = 32767;

const u64 = (n: number) => BigInt.asUintN(64, BigInt(n));

/** Raises the error libbpf would return; an instruction unlike what clang emits is the object's fault. */
function fail(detail: string, problem: CoreProblem = 'malformed-object'): never {
  throw new CoreFault(problem, detail);
}

/** Plans the edit of instruction `index`. */
export function planPatch(insns: Insns, index: number, result: RelocationResult): PatchPlan {
  const poison = (notes: string[]): PatchPlan => {
    const lines = [...notes];
    if (insns.isLdImm64(index) && index + 1 >= insns.count) fail(`insn #${index} (LDIMM64) is cut off at the end of the program`);
    if (insns.isLdImm64(index)) lines.push(`substituting insn #${index + 1} w/ invalid insn`);
    lines.push(`substituting insn #${index} w/ invalid insn`);
    return { patches: [], poisoned: true, notes: lines };
  };
  if (result.poison) return poison([]);
  const code = insns.code(index);
  const { original, value } = result;
  switch (insnClass(code)) {
    case InsnClass.ALU:
    case InsnClass.ALU64: {
      if ((code & 0x08) !== InsnSource.K) fail(`insn #${index} (ALU/ALU64) uses a register operand and cannot be relocated`);
      const imm = u64(insns.imm(index));
      if (result.validate && imm !== original) fail(`unexpected insn #${index} (ALU/ALU64) value: got ${imm}, exp ${original} -> ${value}`);
      return { patches: [{ field: 'imm', from: imm, to: value }], poisoned: false, notes: [`patched insn #${index} (ALU/ALU64) imm ${imm} -> ${value}`] };
    }
    case InsnClass.LDX:
    case InsnClass.ST:
    case InsnClass.STX: {
      const off = u64(insns.off(index));
      if (result.validate && off !== original) fail(`unexpected insn #${index} (LDX/ST/STX) value: got ${off}, exp ${original} -> ${value}`);
      if (value > BigInt(SHRT_MAX)) fail(`insn #${index} (LDX/ST/STX) value too big: ${value}`, 'incompatible-field');
      if (result.failMemSizeAdjust) {
        return poison([`insn #${index} (LDX/ST/STX) accesses field incorrectly. Make sure you are accessing pointers, unsigned integers, or fields of matching type and size.`]);
      }
      const patches: Patch[] = [{ field: 'off', from: off, to: value }];
      const notes = [`patched insn #${index} (LDX/ST/STX) off ${off} -> ${value}`];
      if (result.newSize !== result.originalSize) {
        const size = memSizeBytes(code);
        if (size !== result.originalSize) fail(`insn #${index} (LDX/ST/STX) unexpected mem size: got ${size}, exp ${result.originalSize}`);
        if (memSizeCode(result.newSize) < 0) fail(`insn #${index} (LDX/ST/STX) invalid new mem size: ${result.newSize}`, 'incompatible-field');
        patches.push({ field: 'mem_sz', from: BigInt(result.originalSize), to: BigInt(result.newSize) });
        notes.push(`patched insn #${index} (LDX/ST/STX) mem_sz ${result.originalSize} -> ${result.newSize}`);
      }
      return { patches, poisoned: false, notes };
    }
    case InsnClass.LD: {
      const wellFormed = code === LD_IMM64 && index + 1 < insns.count && insns.src(index) === 0 && insns.off(index) === 0 &&
        insns.code(index + 1) === 0 && insns.dst(index + 1) === 0 && insns.src(index + 1) === 0 && insns.off(index + 1) === 0;
      if (!wellFormed) fail(`insn #${index} (LDIMM64) has unexpected form`);
      const imm = (BigInt(insns.imm(index) >>> 0) | (u64(insns.imm(index + 1)) << 32n)) & 0xffffffffffffffffn;
      if (result.validate && imm !== original) fail(`unexpected insn #${index} (LDIMM64) value: got ${imm}, exp ${original} -> ${value}`);
      return { patches: [{ field: 'imm64', from: imm, to: value }], poisoned: false, notes: [`patched insn #${index} (LDIMM64) imm64 ${imm} -> ${value}`] };
    }
    default:
      fail(`trying to relocate unrecognized insn #${index}, code:0x${code.toString(16)}, src:0x${insns.src(index).toString(16)}, dst:0x${insns.dst(index).toString(16)}, off:0x${(insns.off(index) & 0xffff).toString(16)}, imm:0x${(insns.imm(index) >>> 0).toString(16)}`);
  }
}

/**
 * Whether instruction `index` holds what each patch replaces (`from`): a plan made earlier (a
 * cached one) fits these instructions only then. Poisoning replaces whatever is there.
 */
export function holdsPatchSources(insns: Insns, index: number, patches: readonly Patch[]): boolean {
  if (index >= insns.count) return false;
  return patches.every((patch) => {
    switch (patch.field) {
      case 'imm':
        return u64(insns.imm(index)) === patch.from;
      case 'off':
        return u64(insns.off(index)) === patch.from;
      case 'mem_sz':
        return BigInt(memSizeBytes(insns.code(index))) === patch.from;
      case 'imm64':
        return index + 1 < insns.count && ((BigInt(insns.imm(index) >>> 0) | (u64(insns.imm(index + 1)) << 32n)) & 0xffffffffffffffffn) === patch.from;
    }
  });
}

/** Writes a planned edit (a plan, or the fixup that keeps its patches) into instruction `index`. */
export function applyPatch(insns: Insns, index: number, plan: Pick<PatchPlan, 'patches' | 'poisoned'>): void {
  if (plan.poisoned) {
    if (insns.isLdImm64(index)) insns.poison(index + 1);
    insns.poison(index);
    return;
  }
  for (const patch of plan.patches) {
    switch (patch.field) {
      case 'imm':
        insns.setImm(index, Number(BigInt.asIntN(32, patch.to)));
        break;
      case 'off':
        insns.setOff(index, Number(patch.to));
        break;
      case 'mem_sz': {
        const code = insns.code(index);
        insns.setCode(index, (code & ~0x18) | memSizeCode(Number(patch.to)));
        break;
      }
      case 'imm64':
        insns.setImm(index, Number(BigInt.asIntN(32, patch.to)));
        insns.setImm(index + 1, Number(BigInt.asIntN(32, patch.to >> 32n)));
        break;
    }
  }
}
