/**
 * The file offset a uprobe needs, from a function symbol of an executable or shared object:
 * st_value - sh_addr + sh_offset of the section holding it (as the kernel maps the file).
 * Looks in .symtab first, then .dynsym (all that a stripped binary keeps).
 */
import type { ElfFile } from '../../elf/types.ts';
import { AttachError } from '../errors.ts';

const STT_FUNC = 2;
const STT_GNU_IFUNC = 10;

export function uprobeOffset(elf: ElfFile, symbolName: string, binaryPath: string): number {
  const matches = (name: string) => name === symbolName || name.startsWith(`${symbolName}@`);
  const symbol = [...elf.symbols, ...elf.dynamicSymbols].find(
    (s) => matches(s.name) && (s.type === STT_FUNC || s.type === STT_GNU_IFUNC) && s.sectionIndex !== 0 && s.sectionIndex < elf.sections.length,
  );
  if (!symbol) throw new AttachError(`uprobe ${binaryPath}:${symbolName}: no function named '${symbolName}' in the binary's symbol tables; check with 'nm -D ${binaryPath}'`);
  const section = elf.sections[symbol.sectionIndex];
  return symbol.value - section.address + section.offset;
}
