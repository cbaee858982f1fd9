/**
 * Variables of a BTF DATASEC with their real offsets. clang leaves DATASEC offsets (and sizes)
 * at zero in object files; libbpf fills them from the ELF symbols of the same names, and so do we.
 */
import type { Btf } from '../btf/btf.ts';
import type { ElfFile } from '../elf/types.ts';
import { ObjectError } from './errors.ts';
import { Kind } from '../abi/btf-kinds.ts';

export interface DatasecVariable {
  name: string;
  /** The VAR's type (what the variable holds). */
  typeId: number;
  offset: number;
  size: number;
}

export function datasecVariables(elf: ElfFile, btf: Btf, sectionName: string): DatasecVariable[] | null {
  const datasec = btf.idsByName(sectionName).map((id) => btf.type(id)).find((t) => t.kind === Kind.DATASEC);
  if (!datasec || datasec.kind !== Kind.DATASEC) return null;
  const section = elf.sectionByName(sectionName);
  return datasec.entries.map((entry) => {
    const variable = btf.type(entry.type);
    if (variable.kind !== Kind.VAR) throw new ObjectError(`'${sectionName}' entry is ${btf.describe(variable.id)}, expected a variable`);
    const symbol = section ? elf.symbols.find((s) => s.sectionIndex === section.index && s.name === variable.name) : undefined;
    const offset = symbol ? symbol.value : entry.offset;
    if (section && offset + entry.size > section.size) throw new ObjectError(`variable '${variable.name}' at offset ${offset} (${entry.size} bytes) lies outside section '${sectionName}' of ${section.size} bytes`);
    return { name: variable.name, typeId: variable.type, offset, size: entry.size };
  });
}
