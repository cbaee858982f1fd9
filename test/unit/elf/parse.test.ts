import { describe, expect, it } from 'vitest';
import { ElfError, parseElf, SectionType, SymbolType } from '../../../agent/src/elf/index.ts';
import { compileBpf } from '../support/clang.ts';

const SOURCE = `
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
char LICENSE[] SEC("license") = "GPL";
int counter;
SEC("socket") int count_packets(void *ctx) { counter++; return 0; }
`;

describe('parseElf on a clang-built object', () => {
  const bytes = compileBpf(SOURCE);
  const elf = parseElf(bytes);

  it('reads the header', () => {
    expect(elf.bits).toBe(64);
    expect(elf.machine).toBe(247);
  });

  it.each([
    ['socket', SectionType.PROGBITS],
    ['license', SectionType.PROGBITS],
    ['.bss', SectionType.NOBITS],
    ['.BTF', SectionType.PROGBITS],
    ['.symtab', SectionType.SYMTAB],
    ['.relsocket', SectionType.REL],
  ])('finds section %s of type %i', (name, type) => {
    expect(elf.sectionByName(name)?.type).toBe(type);
  });

  it('returns section data as views into the input, not copies', () => {
    const license = elf.sectionByName('license')!;
    expect(license.data.buffer).toBe(bytes.buffer);
    expect(new TextDecoder().decode(license.data)).toBe('GPL\0');
  });

  it('reads symbols and the relocation of the counter access', () => {
    const program = elf.symbols.find((s) => s.name === 'count_packets')!;
    expect(program.type).toBe(SymbolType.FUNC);
    expect(elf.sectionByName('socket')!.index).toBe(program.sectionIndex);
    const relocations = elf.relocationsFor(program.sectionIndex);
    expect(relocations).toHaveLength(1);
    expect(elf.symbols[relocations[0]!.symbolIndex]!.name).toBe('counter');
  });
});

/** A minimal ELF32 with a section table holding only the null section and a name table. */
function tinyElf32(): Uint8Array {
  const names = new TextEncoder().encode('\0.shstrtab\0');
  const header = 52;
  const tableAt = header + names.length + ((4 - ((header + names.length) % 4)) % 4);
  const bytes = new Uint8Array(tableAt + 2 * 40);
  const v = new DataView(bytes.buffer);
  bytes.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]);
  v.setUint16(16, 1, true);
  v.setUint16(18, 40, true);
  v.setUint32(32, tableAt, true);
  v.setUint16(46, 40, true);
  v.setUint16(48, 2, true);
  v.setUint16(50, 1, true);
  bytes.set(names, header);
  const s1 = tableAt + 40;
  v.setUint32(s1, 1, true);
  v.setUint32(s1 + 4, SectionType.STRTAB, true);
  v.setUint32(s1 + 16, header, true);
  v.setUint32(s1 + 20, names.length, true);
  return bytes;
}

describe('parseElf on ELF32', () => {
  it('reads section headers of a 32-bit file', () => {
    const elf = parseElf(tinyElf32());
    expect(elf.bits).toBe(32);
    expect(elf.machine).toBe(40);
    expect(elf.sections.map((s) => s.name)).toEqual(['', '.shstrtab']);
  });
});

describe('parseElf on malformed input', () => {
  const good = tinyElf32();
  const mutate = (edit: (v: DataView, b: Uint8Array) => void) => {
    const b = good.slice();
    edit(new DataView(b.buffer), b);
    return b;
  };
  it.each([
    ['empty input', new Uint8Array(0), /identification at offset 0/],
    ['bad magic', mutate((_, b) => (b[0] = 0)), /magic/],
    ['big-endian', mutate((_, b) => (b[5] = 2)), /little-endian/],
    ['unknown class', mutate((_, b) => (b[4] = 9)), /unknown class 9/],
    ['section table past the end', mutate((v) => v.setUint32(32, 0xfffff0, true)), /section header/],
    ['name table index out of range', mutate((v) => v.setUint16(50, 7, true)), /e_shstrndx/],
    ['name table past the end', mutate((v) => v.setUint32(good.length - 40 + 20, 0xffff, true)), /section name table .* needs 65535 bytes/],
    ['name offset outside the table', mutate((v) => v.setUint32(good.length - 40, 999, true)), /name offset 999/],
    ['truncated header', good.slice(0, 30), /file header/],
  ])('%s raises ElfError', (_, bytes, message) => {
    expect(() => parseElf(bytes)).toThrow(ElfError);
    expect(() => parseElf(bytes)).toThrow(message);
  });
});
