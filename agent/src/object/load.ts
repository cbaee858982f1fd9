/**
 * Builds the object model from the bytes of a clang-built `.bpf.o`: license, programs, maps,
 * global data, externs, BTF and BTF.ext, and the load-time references of every instruction.
 */
import { Btf } from '../btf/btf.ts';
import { parseBtfExt } from '../btf/ext.ts';
import { EM_BPF } from '../elf/constants.ts';
import { parseElf } from '../elf/parse.ts';
import { ObjectError } from './errors.ts';
import { findExterns } from './externs.ts';
import { findGlobalData } from './globals.ts';
import { parseBtfMaps, parseLegacyMaps } from './maps.ts';
import { findPrograms } from './programs.ts';
import { recordReferences } from './references.ts';
import type { BpfObject } from './types.ts';
import { cStringAt } from '../bytes/c-string.ts';

/** Name of the map that holds `.kconfig` extern values. */
export const KCONFIG_MAP = '.kconfig';

export function loadObject(bytes: Uint8Array): BpfObject {
  const elf = parseElf(bytes);
  if (elf.machine !== EM_BPF) throw new ObjectError(`ELF machine is ${elf.machine}, not BPF (247); compile with clang -target bpf`);
  if (elf.bits !== 64) throw new ObjectError('BPF objects are ELF64; compile with clang -target bpf');
  const btfSection = elf.sectionByName('.BTF');
  const btf = btfSection ? Btf.parse(btfSection.data) : null;
  const extSection = elf.sectionByName('.BTF.ext');
  const btfExt = extSection && btf ? parseBtfExt(extSection.data, btf.strings) : null;

  const licenseSection = elf.sectionByName('license');
  const license = licenseSection ? cStringAt(licenseSection.data, 0) ?? '' : '';
  const versionSection = elf.sectionByName('version');
  if (versionSection && versionSection.data.length !== 4) throw new ObjectError(`the 'version' section has ${versionSection.data.length} bytes, expected 4`);
  const kernelVersion = versionSection ? new DataView(versionSection.data.buffer, versionSection.data.byteOffset, 4).getUint32(0, true) : 0;

  const programs = findPrograms(elf);
  const maps = [...parseBtfMaps(elf, btf), ...parseLegacyMaps(elf)];
  const globals = findGlobalData(elf, btf);
  const externs = findExterns(elf, btf);
  recordReferences(programs, { elf, maps, globals, externs, kconfigMapName: KCONFIG_MAP });
  return { elf, btf, btfExt, license, kernelVersion, programs, maps, globals, externs };
}
