/**
 * Global data: `.data`, `.rodata`, `.bss` and their `.name` variants become array maps whose
 * single value is the section. Variables come from the BTF DATASEC of the same name. Rodata
 * constants (`const volatile` globals) can be set by name before load.
 */
import type { Btf } from '../btf/btf.ts';
import { SectionType } from '../elf/constants.ts';
import type { ElfFile } from '../elf/types.ts';
import { datasecVariables } from './datasec.ts';
import { ObjectError } from './errors.ts';
import type { GlobalData } from './types.ts';

/** Larger global data cannot become a map value on any kernel (value_size is capped by kmalloc). */
const MAX_GLOBAL_DATA = 64 << 20;

function isGlobalDataSection(name: string, type: number): 'rodata' | 'data' | 'bss' | null {
  const matches = (base: string) => name === base || name.startsWith(`${base}.`);
  if (type === SectionType.PROGBITS && matches('.data')) return 'data';
  if (type === SectionType.PROGBITS && matches('.rodata')) return 'rodata';
  if (type === SectionType.NOBITS && matches('.bss')) return 'bss';
  return null;
}

export function findGlobalData(elf: ElfFile, btf: Btf | null): GlobalData[] {
  const globals: GlobalData[] = [];
  for (const section of elf.sections) {
    const kind = isGlobalDataSection(section.name, section.type);
    if (kind === null || section.size === 0) continue;
    if (section.size > MAX_GLOBAL_DATA) throw new ObjectError(`section '${section.name}' is ${section.size} bytes, over the ${MAX_GLOBAL_DATA}-byte limit of a map value; make the globals smaller`);
    globals.push({
      sectionName: section.name,
      sectionIndex: section.index,
      readOnly: kind === 'rodata',
      bytes: kind === 'bss' ? new Uint8Array(section.size) : section.data.slice(),
      variables: (btf && datasecVariables(elf, btf, section.name)) || [],
    });
  }
  return globals;
}

/**
 * Sets a read-only global (`const volatile T name`) before load. `value` must have exactly the
 * variable's size; encode numbers little-endian.
 */
export function setRodata(globals: GlobalData[], name: string, value: Uint8Array): void {
  for (const data of globals) {
    const variable = data.variables.find((v) => v.name === name);
    if (!variable) continue;
    if (!data.readOnly) throw new ObjectError(`global '${name}' lives in '${data.sectionName}', not in .rodata; only 'const volatile' globals are set before load`);
    if (value.length !== variable.size) throw new ObjectError(`global '${name}' is ${variable.size} bytes but the new value has ${value.length}`);
    data.bytes.set(value, variable.offset);
    return;
  }
  const known = globals.filter((g) => g.readOnly).flatMap((g) => g.variables.map((v) => v.name));
  throw new ObjectError(`no read-only global named '${name}'; the object has: ${known.join(', ') || 'none'}`);
}
