/**
 * Finds the programs of an object the way libbpf does: every STT_FUNC symbol inside an
 * executable section is a program named after the symbol; functions in `.text` are
 * subprograms. Each program gets its own copy of its instructions.
 */
import { SectionFlag, SectionType, SymbolBinding, SymbolType } from '../elf/constants.ts';
import type { ElfFile, ElfSection } from '../elf/types.ts';
import { attachInfo } from './attach.ts';
import { ObjectError } from './errors.ts';
import { INSN_SIZE } from '../abi/insn.ts';
import type { BpfProgram } from './types.ts';

export function isProgramSection(section: ElfSection): boolean {
  return section.type === SectionType.PROGBITS && (section.flags & SectionFlag.EXECINSTR) !== 0 && section.size > 0;
}

export function findPrograms(elf: ElfFile): BpfProgram[] {
  const programs: BpfProgram[] = [];
  const text = elf.sectionByName('.text');
  for (const section of elf.sections) {
    if (!isProgramSection(section)) continue;
    for (const symbol of elf.symbols) {
      if (symbol.sectionIndex !== section.index || symbol.type !== SymbolType.FUNC) continue;
      const where = `section '${section.name}': program '${symbol.name}'`;
      if (symbol.value % INSN_SIZE !== 0 || symbol.size % INSN_SIZE !== 0 || symbol.size === 0) {
        throw new ObjectError(`${where}: corrupted program at offset ${symbol.value}, size ${symbol.size}; rebuild the object`);
      }
      if (symbol.value + symbol.size > section.size) throw new ObjectError(`${where}: crosses the section boundary at offset ${symbol.value}; rebuild the object`);
      if (section !== text && symbol.binding === SymbolBinding.LOCAL) {
        throw new ObjectError(`${where}: is static, and only global functions can be programs; remove 'static'`);
      }
      const optional = section.name.startsWith('?');
      const sectionName = optional ? section.name.slice(1) : section.name;
      programs.push({
        name: symbol.name,
        sectionName,
        sectionIndex: section.index,
        sectionInsnOffset: symbol.value / INSN_SIZE,
        insns: section.data.slice(symbol.value, symbol.value + symbol.size),
        autoload: !optional,
        isSubprogram: false,
        attach: attachInfo(sectionName),
        references: [],
        calls: [],
      });
    }
  }
  programs.sort((a, b) => a.sectionIndex - b.sectionIndex || a.sectionInsnOffset - b.sectionInsnOffset);
  if (programs.length > 1 && text) for (const p of programs) p.isSubprogram = p.sectionIndex === text.index;
  return programs;
}

/** The program whose instructions contain section instruction `insn` (libbpf's find_prog_by_sec_insn). */
export function programAt(programs: BpfProgram[], sectionIndex: number, insn: number): BpfProgram | undefined {
  return programs.find((p) => p.sectionIndex === sectionIndex && insn >= p.sectionInsnOffset && insn < p.sectionInsnOffset + p.insns.length / INSN_SIZE);
}
