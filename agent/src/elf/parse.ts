/**
 * Parses a little-endian ELF32 or ELF64 file: the section headers, the symbol table and the
 * REL/RELA relocation sections (their entries read when first asked for). Section contents are
 * views into the input. Every malformed field
 * raises an ElfError naming the structure and its offset.
 */
import { ByteReader } from '../bytes/byte-reader.ts';
import { SectionType, SHN_XINDEX } from './constants.ts';
import { ElfError } from './errors.ts';
import type { ElfFile, ElfRelocation, ElfSection, ElfSymbol } from './types.ts';
import { cStringAt } from '../bytes/c-string.ts';

interface Layout {
  bits: 32 | 64;
  sectionHeaderSize: number;
  symbolSize: number;
}

const LAYOUT_32: Layout = { bits: 32, sectionHeaderSize: 40, symbolSize: 16 };
const LAYOUT_64: Layout = { bits: 64, sectionHeaderSize: 64, symbolSize: 24 };

export function parseElf(bytes: Uint8Array): ElfFile {
  const r = new ByteReader(bytes, (s, o, p) => new ElfError(s, o, p));
  r.check('identification', 0, 16);
  if (bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    throw new ElfError('identification', 0, 'missing the \\x7fELF magic, so this is not an ELF file');
  }
  const elfClass = bytes[4];
  if (elfClass !== 1 && elfClass !== 2) throw new ElfError('identification', 4, `unknown class ${elfClass}`);
  if (bytes[5] !== 1) throw new ElfError('identification', 5, 'only little-endian objects are supported (compile with -target bpfel or bpf on a little-endian host)');
  const layout = elfClass === 1 ? LAYOUT_32 : LAYOUT_64;
  const is64 = layout.bits === 64;

  const headerSize = is64 ? 64 : 52;
  r.check('file header', 0, headerSize);
  const fileType = r.u16('file header', 16);
  const machine = r.u16('file header', 18);
  const sectionTableOffset = is64 ? r.u64Number('file header e_shoff', 40) : r.u32('file header e_shoff', 32);
  const sectionHeaderSize = r.u16('file header e_shentsize', is64 ? 58 : 46);
  let sectionCount = r.u16('file header e_shnum', is64 ? 60 : 48);
  let namesIndex = r.u16('file header e_shstrndx', is64 ? 62 : 50);

  if (sectionTableOffset === 0) {
    return makeFile(layout.bits, machine, fileType, [], [], () => [], []);
  }
  if (sectionHeaderSize !== layout.sectionHeaderSize) {
    throw new ElfError('file header e_shentsize', is64 ? 58 : 46, `section header size ${sectionHeaderSize}, expected ${layout.sectionHeaderSize}`);
  }
  const rawHeaders = (index: number) => readSectionHeader(r, is64, sectionTableOffset + index * sectionHeaderSize);
  if (sectionCount === 0 || namesIndex === SHN_XINDEX) {
    const first = rawHeaders(0);
    if (sectionCount === 0) sectionCount = first.size;
    if (namesIndex === SHN_XINDEX) namesIndex = first.link;
  }
  r.check('section header table', sectionTableOffset, sectionCount * sectionHeaderSize);

  const headers = [];
  for (let i = 0; i < sectionCount; i++) headers.push(rawHeaders(i));
  if (namesIndex >= sectionCount) throw new ElfError('file header e_shstrndx', is64 ? 62 : 50, `section name table index ${namesIndex} is out of range (${sectionCount} sections)`);
  const namesHeader = headers[namesIndex]!;
  const nameTable = r.slice(`section name table (section ${namesIndex})`, namesHeader.offset, namesHeader.size);

  const sections: ElfSection[] = headers.map((h, index) => {
    const name = index === 0 ? '' : cStringAt(nameTable, h.nameOffset);
    if (name === null) throw new ElfError(`section header ${index}`, h.headerOffset, `name offset ${h.nameOffset} is outside the section name table`);
    const data = h.type === SectionType.NOBITS || h.type === SectionType.NULL ? bytes.subarray(0, 0) : r.slice(`section '${name}' contents`, h.offset, h.size);
    return { index, name, type: h.type, flags: h.flags, address: h.address, offset: h.offset, size: h.size, link: h.link, info: h.info, align: h.align, entrySize: h.entrySize, data };
  });

  const symbols = readSymbols(r, sections, layout, SectionType.SYMTAB);
  const dynamicSymbols = readSymbols(r, sections, layout, SectionType.DYNSYM);
  // Relocation sections are checked here and read when their target section is first asked
  // for: an object built with DWARF has tens of thousands for .debug_* sections nobody reads.
  const relocationSections = new Map<number, ElfSection[]>();
  for (const section of sections) {
    if (section.type !== SectionType.REL && section.type !== SectionType.RELA) continue;
    if (section.info >= sections.length) throw new ElfError(`relocation section '${section.name}'`, section.offset, `target section index ${section.info} is out of range`);
    checkRelocationSection(section, layout);
    relocationSections.set(section.info, [...(relocationSections.get(section.info) ?? []), section]);
  }
  const read = new Map<number, ElfRelocation[]>();
  const relocationsFor = (index: number): ElfRelocation[] => {
    let list = read.get(index);
    if (!list) {
      list = (relocationSections.get(index) ?? []).flatMap((section) => readRelocations(r, section, layout, symbols.length));
      read.set(index, list);
    }
    return list;
  };
  return makeFile(layout.bits, machine, fileType, sections, symbols, relocationsFor, dynamicSymbols);
}

function makeFile(bits: 32 | 64, machine: number, fileType: number, sections: ElfSection[], symbols: ElfSymbol[], relocationsFor: (index: number) => ElfRelocation[], dynamicSymbols: ElfSymbol[]): ElfFile {
  const byName = new Map<string, ElfSection>();
  for (const s of sections) if (!byName.has(s.name)) byName.set(s.name, s);
  return {
    bits,
    machine,
    fileType,
    sections,
    symbols,
    dynamicSymbols,
    sectionByName: (name) => byName.get(name),
    relocationsFor,
  };
}

function readSectionHeader(r: ByteReader, is64: boolean, at: number) {
  const what = `section header at ${at}`;
  if (is64) {
    r.check(what, at, 64);
    return {
      headerOffset: at,
      nameOffset: r.u32(what, at),
      type: r.u32(what, at + 4),
      flags: Number(r.u64(what, at + 8) & 0xffffffffn),
      address: r.u64Number(what, at + 16),
      offset: r.u64Number(what, at + 24),
      size: r.u64Number(what, at + 32),
      link: r.u32(what, at + 40),
      info: r.u32(what, at + 44),
      align: r.u64Number(what, at + 48),
      entrySize: r.u64Number(what, at + 56),
    };
  }
  r.check(what, at, 40);
  return {
    headerOffset: at,
    nameOffset: r.u32(what, at),
    type: r.u32(what, at + 4),
    flags: r.u32(what, at + 8),
    address: r.u32(what, at + 12),
    offset: r.u32(what, at + 16),
    size: r.u32(what, at + 20),
    link: r.u32(what, at + 24),
    info: r.u32(what, at + 28),
    align: r.u32(what, at + 32),
    entrySize: r.u32(what, at + 36),
  };
}

/** Symbols of the first section of `tableType` (SYMTAB, or DYNSYM in shared objects and executables). */
function readSymbols(r: ByteReader, sections: ElfSection[], layout: Layout, tableType: number): ElfSymbol[] {
  const table = sections.find((s) => s.type === tableType);
  if (!table) return [];
  const what = `symbol table '${table.name}'`;
  if (table.size % layout.symbolSize !== 0) throw new ElfError(what, table.offset, `size ${table.size} is not a multiple of the ${layout.symbolSize}-byte symbol entry`);
  const strings = sections[table.link];
  if (!strings || strings.type !== SectionType.STRTAB) throw new ElfError(what, table.offset, `sh_link ${table.link} does not name a string table`);
  const count = table.size / layout.symbolSize;
  const symbols: ElfSymbol[] = [];
  for (let index = 0; index < count; index++) {
    const at = table.offset + index * layout.symbolSize;
    const entry = `symbol ${index}`;
    const nameOffset = r.u32(entry, at);
    let value: number, size: number, info: number, other: number, sectionIndex: number;
    if (layout.bits === 64) {
      info = r.u8(entry, at + 4);
      other = r.u8(entry, at + 5);
      sectionIndex = r.u16(entry, at + 6);
      value = r.u64Number(entry, at + 8);
      size = r.u64Number(entry, at + 16);
    } else {
      value = r.u32(entry, at + 4);
      size = r.u32(entry, at + 8);
      info = r.u8(entry, at + 12);
      other = r.u8(entry, at + 13);
      sectionIndex = r.u16(entry, at + 14);
    }
    const name = cStringAt(strings.data, nameOffset);
    if (name === null) throw new ElfError(entry, at, `name offset ${nameOffset} is outside string table '${strings.name}'`);
    symbols.push({ index, name, type: info & 0xf, binding: info >> 4, visibility: other & 0x3, sectionIndex, value, size });
  }
  return symbols;
}

function relocationEntrySize(section: ElfSection, layout: Layout): number {
  return (layout.bits === 64 ? 16 : 8) + (section.type === SectionType.RELA ? layout.bits / 8 : 0);
}

function checkRelocationSection(section: ElfSection, layout: Layout): void {
  const entrySize = relocationEntrySize(section, layout);
  if (section.size % entrySize !== 0) throw new ElfError(`relocation section '${section.name}'`, section.offset, `size ${section.size} is not a multiple of the ${entrySize}-byte entry`);
}

function readRelocations(r: ByteReader, section: ElfSection, layout: Layout, symbolCount: number): ElfRelocation[] {
  const withAddend = section.type === SectionType.RELA;
  const entrySize = relocationEntrySize(section, layout);
  const what = `relocation section '${section.name}'`;
  const list: ElfRelocation[] = [];
  for (let at = section.offset; at < section.offset + section.size; at += entrySize) {
    let offset: number, symbolIndex: number, type: number, addend = 0n;
    if (layout.bits === 64) {
      offset = r.u64Number(what, at);
      const info = r.u64(what, at + 8);
      symbolIndex = Number(info >> 32n);
      type = Number(info & 0xffffffffn);
      if (withAddend) addend = BigInt.asIntN(64, r.u64(what, at + 16));
    } else {
      offset = r.u32(what, at);
      const info = r.u32(what, at + 4);
      symbolIndex = info >>> 8;
      type = info & 0xff;
      if (withAddend) addend = BigInt(r.i32(what, at + 8));
    }
    if (symbolIndex >= symbolCount) throw new ElfError(what, at, `symbol index ${symbolIndex} is out of range (${symbolCount} symbols)`);
    list.push({ offset, symbolIndex, type, addend });
  }
  return list;
}
