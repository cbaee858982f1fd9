/** The ELF reader's public surface: parseElf and the types it returns. */
export { parseElf } from './parse.ts';
export { ElfError } from './errors.ts';
export * from './constants.ts';
export type { ElfFile, ElfRelocation, ElfSection, ElfSymbol } from './types.ts';
