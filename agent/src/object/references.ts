/**
 * Records what each program instruction refers to, from the ELF relocations of its section
 * (libbpf's bpf_program__record_reloc): maps, global data, externs, and bpf-to-bpf calls and
 * callbacks. Instructions are not changed here; the loader fills fds and the linker fixes calls.
 */
import { SHN_UNDEF, SymbolBinding, SymbolType, SHN_LORESERVE } from '../elf/constants.ts';
import type { ElfFile, ElfSymbol } from '../elf/types.ts';
import { ObjectError } from './errors.ts';
import { INSN_SIZE, Insns } from '../abi/insn.ts';
import { programAt } from './programs.ts';
import type { BpfProgram, Extern, GlobalData, MapDefinition } from './types.ts';


export interface ReferenceContext {
  elf: ElfFile;
  maps: MapDefinition[];
  globals: GlobalData[];
  externs: Extern[];
  kconfigMapName: string;
}

function isExternSymbol(s: ElfSymbol): boolean {
  return s.sectionIndex === SHN_UNDEF && (s.binding === SymbolBinding.GLOBAL || s.binding === SymbolBinding.WEAK) && s.type === SymbolType.NOTYPE;
}

export function recordReferences(programs: BpfProgram[], ctx: ReferenceContext): void {
  const { elf } = ctx;
  const text = elf.sectionByName('.text');
  const mapSections = new Set([elf.sectionByName('.maps')?.index, elf.sectionByName('maps')?.index]);
  for (const section of new Set(programs.map((p) => p.sectionIndex))) {
    for (const rel of elf.relocationsFor(section)) {
      const symbol = elf.symbols[rel.symbolIndex]!;
      if (rel.offset % INSN_SIZE !== 0) throw new ObjectError(`relocation at offset ${rel.offset} in section ${section} is not on an instruction boundary`);
      const sectionInsn = rel.offset / INSN_SIZE;
      const program = programAt(programs, section, sectionInsn);
      if (!program) continue;
      const insn = sectionInsn - program.sectionInsnOffset;
      const insns = new Insns(program.insns);
      const where = `prog '${program.name}': relo against '${symbol.name}' at insn #${insn}`;
      if (!insns.isCall(insn) && !insns.isLdImm64(insn)) throw new ObjectError(`${where}: instruction code 0x${insns.code(insn).toString(16)} cannot be relocated`);
      if (insns.isLdImm64(insn) && insn + 1 >= insns.count) throw new ObjectError(`${where}: ld_imm64 is cut off at the end of the program`);

      if (isExternSymbol(symbol)) {
        const ext = ctx.externs.find((e) => e.name === symbol.name);
        if (!ext) throw new ObjectError(`${where}: extern relo failed to find extern for '${symbol.name}'`);
        if (ext.kconfig) program.references.push({ kind: 'data', insn, map: ctx.kconfigMapName, offset: ext.kconfig.offset });
        else program.references.push({ kind: 'ksym', insn, name: ext.name });
        continue;
      }
      if (insns.isCall(insn)) {
        if (insns.src(insn) !== 1) throw new ObjectError(`${where}: incorrect bpf_call opcode`);
        if (!text || symbol.sectionIndex !== text.index) throw new ObjectError(`${where}: calls into a section other than .text`);
        if (symbol.value % INSN_SIZE !== 0) throw new ObjectError(`${where}: bad call relo at offset ${symbol.value}`);
        program.calls.push({ insn, calleeSectionInsn: symbol.value / INSN_SIZE + insns.imm(insn) + 1 });
        continue;
      }
      if (symbol.sectionIndex === SHN_UNDEF || symbol.sectionIndex >= SHN_LORESERVE) throw new ObjectError(`${where}: invalid relo in special section 0x${symbol.sectionIndex.toString(16)}; forgot to initialize a global variable?`);
      if (text && symbol.sectionIndex === text.index && (symbol.type === SymbolType.FUNC || symbol.type === SymbolType.SECTION)) {
        if (symbol.value % INSN_SIZE !== 0 || insns.imm(insn) % INSN_SIZE !== 0) throw new ObjectError(`${where}: bad subprog addr relo at offset ${symbol.value}+${insns.imm(insn)}`);
        program.calls.push({ insn, calleeSectionInsn: (symbol.value + insns.imm(insn)) / INSN_SIZE });
        continue;
      }
      if (mapSections.has(symbol.sectionIndex)) {
        const map = ctx.maps.find((m) => symbolSectionOf(elf, m) === symbol.sectionIndex && m.sectionOffset === symbol.value);
        if (!map) throw new ObjectError(`${where}: map relo failed to find map at offset ${symbol.value}`);
        program.references.push({ kind: 'map', insn, map: map.name });
        continue;
      }
      const data = ctx.globals.find((g) => g.sectionIndex === symbol.sectionIndex);
      if (!data) throw new ObjectError(`${where}: bad data relo against section ${symbol.sectionIndex}`);
      const offset = insns.imm(insn) + (symbol.type === SymbolType.SECTION ? 0 : symbol.value);
      program.references.push({ kind: 'data', insn, map: data.sectionName, offset });
    }
  }
}

function symbolSectionOf(elf: ElfFile, map: MapDefinition): number | undefined {
  return elf.sectionByName(map.origin === 'btf' ? '.maps' : 'maps')?.index;
}
