/**
 * func_info and line_info for BPF_PROG_LOAD: the BTF.ext records of a program and of every
 * subprogram linked into it, re-based to instruction indexes of the linked program. File names
 * and source lines stay the records' offsets into the object's BTF string table, which the
 * kernel holds through the BTF fd (its strings are loaded as the object has them).
 */
import type { BpfObject, BpfProgram, LinkedProgram } from '../../object/index.ts';
import { INSN_SIZE } from '../../abi/insn.ts';
import { LoadError } from '../errors.ts';

const FUNC_INFO_SIZE = 8;
const LINE_INFO_SIZE = 16;

export interface InfoRecords {
  recordSize: number;
  bytes: Uint8Array;
  count: number;
}

/**
 * Where each piece of the linked program came from: its ELF section's own name (with the '?' of
 * a program that does not load by default, which BTF.ext keeps: `tracepoint/x` and
 * `?tracepoint/x` are two sections), first section insn, length, start.
 */
interface Piece {
  sectionName: string;
  sectionInsnOffset: number;
  length: number;
  start: number;
}

function pieces(object: BpfObject, linked: LinkedProgram): Piece[] {
  const piece = (program: BpfProgram, start: number): Piece => ({
    sectionName: object.elf.sections[program.sectionIndex]!.name, sectionInsnOffset: program.sectionInsnOffset, length: program.insns.length / INSN_SIZE, start,
  });
  return [
    piece(linked.program, 0),
    ...linked.subprograms.map((sub) => {
      const program = object.programs.find((p) => p.isSubprogram && p.name === sub.name);
      if (!program) throw new LoadError(`linked subprogram '${sub.name}' is not in the object; the object is damaged, build it again`, { program: linked.program.name });
      return piece(program, sub.start);
    }),
  ];
}

function collect<T extends { insnOffset: number }>(sections: { sectionName: string; records: T[] }[], parts: Piece[]): { record: T; insn: number }[] {
  const out: { record: T; insn: number }[] = [];
  for (const part of parts) {
    const section = sections.find((s) => s.sectionName === part.sectionName);
    for (const record of section?.records ?? []) {
      const sectionInsn = record.insnOffset / INSN_SIZE;
      if (sectionInsn >= part.sectionInsnOffset && sectionInsn < part.sectionInsnOffset + part.length) {
        out.push({ record, insn: sectionInsn - part.sectionInsnOffset + part.start });
      }
    }
  }
  return out.sort((a, b) => a.insn - b.insn);
}

export function funcAndLineInfo(object: BpfObject, linked: LinkedProgram): { funcInfo?: InfoRecords; lineInfo?: InfoRecords } {
  const ext = object.btfExt;
  if (!ext || !object.btf) return {};
  const parts = pieces(object, linked);
  const funcs = collect(ext.funcInfo, parts);
  const lines = collect(ext.lineInfo, parts);
  const result: { funcInfo?: InfoRecords; lineInfo?: InfoRecords } = {};
  if (funcs.length > 0) {
    const bytes = new Uint8Array(funcs.length * FUNC_INFO_SIZE);
    const view = new DataView(bytes.buffer);
    funcs.forEach(({ record, insn }, i) => {
      view.setUint32(i * FUNC_INFO_SIZE, insn, true);
      view.setUint32(i * FUNC_INFO_SIZE + 4, record.typeId, true);
    });
    result.funcInfo = { recordSize: FUNC_INFO_SIZE, bytes, count: funcs.length };
  }
  if (lines.length > 0) {
    const bytes = new Uint8Array(lines.length * LINE_INFO_SIZE);
    const view = new DataView(bytes.buffer);
    lines.forEach(({ record, insn }, i) => {
      const at = i * LINE_INFO_SIZE;
      view.setUint32(at, insn, true);
      view.setUint32(at + 4, record.fileNameOffset, true);
      view.setUint32(at + 8, record.lineOffset, true);
      view.setUint32(at + 12, ((record.lineNumber << 10) | record.column) >>> 0, true);
    });
    result.lineInfo = { recordSize: LINE_INFO_SIZE, bytes, count: lines.length };
  }
  return result;
}
