/** The values the ELF reader returns: sections, symbols and relocations, with data as views. */

export interface ElfSection {
  index: number;
  name: string;
  type: number;
  flags: number;
  /** Virtual address when loaded (sh_addr); 0 in relocatable objects. */
  address: number;
  /** File offset of the section's contents. */
  offset: number;
  size: number;
  link: number;
  info: number;
  align: number;
  entrySize: number;
  /** The section's bytes (a view into the input); empty for NOBITS sections such as .bss. */
  data: Uint8Array;
}

export interface ElfSymbol {
  index: number;
  name: string;
  /** STT_* (see SymbolType). */
  type: number;
  /** STB_* (see SymbolBinding). */
  binding: number;
  /** STV_* (see SymbolVisibility). */
  visibility: number;
  /** Index of the section the symbol is defined in; SHN_UNDEF for externs. */
  sectionIndex: number;
  value: number;
  size: number;
}

export interface ElfRelocation {
  /** Byte offset inside the section the relocation applies to. */
  offset: number;
  /** Index into the symbol table. */
  symbolIndex: number;
  type: number;
  /** Explicit addend for RELA sections; 0 for REL. */
  addend: bigint;
}

export interface ElfFile {
  /** 32 or 64. */
  bits: 32 | 64;
  machine: number;
  /** ET_REL = 1 for compiled objects. */
  fileType: number;
  sections: ElfSection[];
  symbols: ElfSymbol[];
  /** `.dynsym` of executables and shared objects (all a stripped binary keeps). */
  dynamicSymbols: ElfSymbol[];
  sectionByName(name: string): ElfSection | undefined;
  /** Relocations that apply to the section with index `targetIndex`, in file order. */
  relocationsFor(targetIndex: number): ElfRelocation[];
}
