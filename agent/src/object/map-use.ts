/**
 * Which maps a set of programs uses: the maps and global data sections their instructions refer
 * to, with those of every `.text` subprogram they call, as linking appends them.
 */
import { linkProgram } from './link.ts';
import type { BpfObject, BpfProgram } from './types.ts';

export function mapsUsedBy(object: BpfObject, programs: BpfProgram[]): Set<string> {
  const text = object.elf.sectionByName('.text');
  const used = new Set<string>();
  for (const program of programs) {
    for (const reference of linkProgram(program, object.programs, text?.index).references) {
      if (reference.kind !== 'ksym') used.add(reference.map);
    }
  }
  return used;
}
