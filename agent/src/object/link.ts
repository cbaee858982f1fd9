/**
 * Links bpf-to-bpf calls the way libbpf's bpf_object__reloc_code does: each entry program gets
 * the `.text` subprograms it calls appended, depth first in call order, once each, and every
 * call (or callback address) is rewritten to the callee's new position.
 */
import { ObjectError } from './errors.ts';
import { INSN_SIZE, Insns, PseudoSrc } from '../abi/insn.ts';
import { programAt } from './programs.ts';
import type { BpfProgram, LoadTimeReference } from './types.ts';

export interface LinkedProgram {
  program: BpfProgram;
  insns: Uint8Array;
  /** Load-time references of the program and of every appended subprogram, re-indexed. */
  references: LoadTimeReference[];
  /** Appended subprograms with their first instruction index. */
  subprograms: { name: string; start: number }[];
}

export function linkProgram(main: BpfProgram, programs: BpfProgram[], textSectionIndex: number | undefined): LinkedProgram {
  const chunks: Uint8Array[] = [main.insns];
  let length = main.insns.length / INSN_SIZE;
  const placed = new Map<BpfProgram, number>([[main, 0]]);
  const order: BpfProgram[] = [main];
  const fixups: { at: number; target: number; callbackAddress: boolean }[] = [];

  const visit = (prog: BpfProgram): void => {
    const base = placed.get(prog)!;
    const insns = new Insns(prog.insns);
    for (let i = 0; i < insns.count; i++) {
      const recorded = prog.calls.find((c) => c.insn === i);
      // clang leaves src_reg 0 on `r2 = callback ll`; its relocation against .text marks it.
      const callbackAddress = insns.isLdImm64(i) && recorded !== undefined;
      if (!insns.isSubprogramCall(i) && !insns.isPseudoFunc(i) && !callbackAddress) continue;
      if (!recorded && insns.isPseudoFunc(i)) throw new ObjectError(`prog '${prog.name}': missing subprog addr relo for insn #${i}`);
      const target = recorded ? recorded.calleeSectionInsn : prog.sectionInsnOffset + i + insns.imm(i) + 1;
      const callee = textSectionIndex === undefined ? undefined : programAt(programs, textSectionIndex, target);
      if (!callee) throw new ObjectError(`prog '${prog.name}': insn #${i} calls a sub-program but no .text function starts at instruction ${target}`);
      if (!placed.has(callee)) {
        placed.set(callee, length);
        order.push(callee);
        chunks.push(callee.insns);
        length += callee.insns.length / INSN_SIZE;
        visit(callee);
      }
      fixups.push({ at: base + i, target: placed.get(callee)!, callbackAddress });
    }
  };
  visit(main);

  const insns = new Uint8Array(length * INSN_SIZE);
  let at = 0;
  for (const chunk of chunks) {
    insns.set(chunk, at);
    at += chunk.length;
  }
  const linked = new Insns(insns);
  for (const f of fixups) {
    linked.setImm(f.at, f.target - f.at - 1);
    if (f.callbackAddress) linked.setSrc(f.at, PseudoSrc.FUNC);
  }
  const references = order.flatMap((p) => p.references.map((r) => ({ ...r, insn: r.insn + placed.get(p)! })));
  return { program: main, insns, references, subprograms: order.slice(1).map((p) => ({ name: p.name, start: placed.get(p)! })) };
}
