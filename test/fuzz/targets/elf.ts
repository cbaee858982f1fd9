/** Fuzz target: the ELF reader, with every section's name lookup and relocations read. */
import { parseElf } from '../../../agent/src/elf/parse.ts';
import { typedOutcome } from './outcome.ts';

export function fuzz(data: Uint8Array): string {
  return typedOutcome(() => {
    const elf = parseElf(data);
    for (const section of elf.sections) {
      elf.sectionByName(section.name);
      elf.relocationsFor(section.index);
    }
  });
}
