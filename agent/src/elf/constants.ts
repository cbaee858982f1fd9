/** ELF constants the reader and the BPF object model need (from the System V ABI). */
export const SectionType = {
  NULL: 0,
  PROGBITS: 1,
  SYMTAB: 2,
  DYNSYM: 11,
  STRTAB: 3,
  RELA: 4,
  NOBITS: 8,
  REL: 9,
} as const;

export const SectionFlag = {
  WRITE: 0x1,
  ALLOC: 0x2,
  EXECINSTR: 0x4,
} as const;

export const SymbolType = {
  NOTYPE: 0,
  OBJECT: 1,
  FUNC: 2,
  SECTION: 3,
  FILE: 4,
} as const;

export const SymbolBinding = {
  LOCAL: 0,
  GLOBAL: 1,
  WEAK: 2,
} as const;

export const SymbolVisibility = {
  DEFAULT: 0,
  INTERNAL: 1,
  HIDDEN: 2,
  PROTECTED: 3,
} as const;

/** Section index meaning "undefined": the symbol is an extern. */
export const SHN_UNDEF = 0;
/** Section indices from here up are reserved: absolute values, common symbols, and so on. */
export const SHN_LORESERVE = 0xff00;
/** e_shstrndx value saying the real index lives in section 0's sh_link. */
export const SHN_XINDEX = 0xffff;

/** e_machine of BPF objects. */
export const EM_BPF = 247;
