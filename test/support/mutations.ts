/**
 * Deterministic mutations of ELF objects and BTF blobs for the fuzz tests, driven by the fuzz
 * harness's seeded PRNG: bit flips, truncations, and stomps of interesting values (0, -1,
 * 2^31-1, off-by-one sizes, random) over the fields that steer a parser: the ELF header, section
 * headers, the BTF header, BTF type records, and the BTF.ext header and CO-RE records. The
 * locations come from a minimal reading of the (valid) seed, done here so the parser under test
 * is not also the one picking its inputs.
 */
import type { Random } from './fuzz/seeded-random.ts';

export interface Mutation {
  bytes: Uint8Array;
  description: string;
}

export interface Region {
  name: string;
  offset: number;
  length: number;
}

const INTERESTING_U32 = [0, 1, 0xffffffff, 0x7fffffff, 0x80000000, 0xffff, 0x10000, 24, 0xfffffff0];

function u32(view: DataView, at: number): number {
  return view.getUint32(at, true);
}

/** Sections of a valid little-endian ELF64 seed, by name, plus its header and section table. */
export function elfRegions(elf: Uint8Array): Region[] {
  const view = new DataView(elf.buffer, elf.byteOffset, elf.byteLength);
  const shoff = Number(view.getBigUint64(0x28, true));
  const shentsize = view.getUint16(0x3a, true);
  const shnum = view.getUint16(0x3c, true);
  const shstrndx = view.getUint16(0x3e, true);
  const sectionHeader = (i: number) => shoff + i * shentsize;
  const strtabOffset = Number(view.getBigUint64(sectionHeader(shstrndx) + 0x18, true));
  const regions: Region[] = [
    { name: 'ELF header', offset: 0, length: 64 },
    { name: 'section header table', offset: shoff, length: shnum * shentsize },
  ];
  for (let i = 1; i < shnum; i++) {
    const at = sectionHeader(i);
    let end = strtabOffset + u32(view, at);
    while (elf[end] !== 0) end++;
    const name = new TextDecoder().decode(elf.subarray(strtabOffset + u32(view, at), end));
    regions.push({ name, offset: Number(view.getBigUint64(at + 0x18, true)), length: Number(view.getBigUint64(at + 0x20, true)) });
  }
  return regions;
}

/** The BTF header and type section of a valid raw BTF blob at `base` inside `bytes`. */
export function btfRegions(bytes: Uint8Array, base: number, label: string): Region[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hdrLen = u32(view, base + 4);
  return [
    { name: `${label} header`, offset: base, length: hdrLen },
    { name: `${label} types`, offset: base + hdrLen + u32(view, base + 8), length: u32(view, base + 12) },
    { name: `${label} strings`, offset: base + hdrLen + u32(view, base + 16), length: u32(view, base + 20) },
  ];
}

function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

function stompValue(random: Random, region: Region): number {
  return random() < 0.7 ? pick(random, INTERESTING_U32) : pick(random, [region.length, region.length + 1, region.length - 1, Math.floor(random() * 0x100000000)]) >>> 0;
}

/** One mutation of `seed`; `regions` are the structures worth aiming at. */
export function mutate(seed: Uint8Array, regions: Region[], random: Random): Mutation {
  const bytes = Uint8Array.from(seed);
  const view = new DataView(bytes.buffer);
  const choice = random();
  if (choice < 0.25) {
    const flips = 1 + Math.floor(random() * 8);
    for (let i = 0; i < flips; i++) {
      const at = Math.floor(random() * bytes.length);
      bytes[at]! ^= 1 << Math.floor(random() * 8);
    }
    return { bytes, description: `${flips} bit flips` };
  }
  if (choice < 0.35) {
    const length = Math.floor(random() * bytes.length);
    return { bytes: bytes.subarray(0, length), description: `truncated to ${length} bytes` };
  }
  const region = pick(random, regions.filter((r) => r.length >= 4 && r.offset + r.length <= bytes.length));
  const at = region.offset + 4 * Math.floor(random() * Math.floor(region.length / 4));
  const value = stompValue(random, region);
  view.setUint32(at, value, true);
  return { bytes, description: `u32 at ${at} (${region.name} + ${at - region.offset}) := ${value}` };
}
