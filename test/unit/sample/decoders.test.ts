/**
 * Compiled decoders against the interpreted reference (btf-value.ts): a fuzz run over random BTF
 * types (ints of every width, bools, chars, pointers at 4 and 8 bytes, enums, floats, typedef and
 * modifier chains, arrays, structs and unions with bitfields and decl tags) and random bytes,
 * decoded from a view inside a larger buffer as batches are, and per-CPU copies summed; then exactness tables for what the
 * sampler must never round: 64-bit integers beyond 2^53, bitfields, enums, per-CPU sums.
 */
import { describe, expect, it } from 'vitest';
import { Btf } from '../../../agent/src/btf/btf.ts';
import { IntEncoding } from '../../../agent/src/abi/btf-kinds.ts';
import { BtfValueDecoder } from '../../../agent/src/sample/decode/btf-value.ts';
import { DecoderCache } from '../../../agent/src/sample/decode/compiled-decoder.ts';
import { MemberHints } from '../../../agent/src/sample/decode/field-hints.ts';
import { TypeDecoder } from '../../../agent/src/sample/decode/field-format.ts';
import { sumValues } from '../../../agent/src/sample/decode/per-cpu-sum.ts';
import { BtfWriter } from '../../support/btf-writer.ts';
import { inputSeed, randomInt, runSeed, seededRandom } from '../../support/fuzz/seeded-random.ts';
import { RandomTypes } from '../../support/random-btf-types.ts';

const CASES = 400;

describe('compiled decoders agree with the interpreted reference', () => {
  const seed = runSeed(0x5eed15);
  it.each([4, 8])(`on ${CASES} random types and random bytes, pointers of %i bytes (seed ${seed.toString(16)})`, (pointerSize) => {
    for (let index = 0; index < CASES; index++) {
      const random = seededRandom(inputSeed(seed, index * 2 + pointerSize));
      const types = new RandomTypes(random, pointerSize);
      const root = types.type(3);
      const btf = Btf.parse(types.writer.bytes());
      const size = types.sizes.get(root)!;
      const hints = new MemberHints(btf, {});
      const compiled = new DecoderCache(btf, pointerSize, hints);
      const reference = new BtfValueDecoder(btf, pointerSize, hints);
      const plainCompiled = new DecoderCache(btf, pointerSize, null);
      const plainReference = new BtfValueDecoder(btf, pointerSize, null);
      for (let sample = 0; sample < 4; sample++) {
        const lead = randomInt(random, 16);
        const buffer = new Uint8Array(lead + size + randomInt(random, 16));
        const edges = [0x00, 0xff, 0x1f, 0x20, 0x80, 0x7f];
        for (let i = 0; i < buffer.length; i++) buffer[i] = random() < 0.5 ? edges[randomInt(random, edges.length)]! : randomInt(random, 256);
        const bytes = buffer.subarray(lead, lead + size);
        const what = `case ${index} sample ${sample}: ${btf.describe(root)} of ${size} bytes`;
        const expected = reference.decode(root, bytes.slice());
        const actual = compiled.decode(root, bytes);
        expect(actual, what).toEqual(expected);
        expect(JSON.stringify(actual), what).toBe(JSON.stringify(expected));
        expect(JSON.stringify(plainCompiled.decode(root, bytes)), what).toBe(JSON.stringify(plainReference.decode(root, bytes.slice())));
      }
      // Per-CPU copies, summed by one compiled decoder against summing the reference's values.
      const slots = 2 + randomInt(random, 3);
      const stride = (size + 7) & ~7;
      const lead = randomInt(random, 16);
      const copies = new Uint8Array(lead + slots * stride);
      for (let i = 0; i < copies.length; i++) copies[i] = random() < 0.3 ? 0 : randomInt(random, 256);
      const slot = (cpu: number) => copies.slice(lead + cpu * stride, lead + cpu * stride + size);
      let expected = reference.decode(root, slot(0));
      for (let cpu = 1; cpu < slots; cpu++) expected = sumValues(expected, reference.decode(root, slot(cpu)));
      const actual = compiled.decode(root, copies.subarray(lead, lead + size), slots, stride);
      expect(JSON.stringify(actual), `case ${index}: ${slots} per-CPU copies of ${btf.describe(root)}`).toBe(JSON.stringify(expected));
      expect(actual).toEqual(expected);
    }
  });
});

/** One little-endian value of `size` bytes, two's complement. */
function le(value: bigint, size: number): number[] {
  const bits = BigInt.asUintN(size * 8, value);
  return Array.from({ length: size }, (_, i) => Number((bits >> BigInt(8 * i)) & 0xffn));
}

describe('exactness', () => {
  const w = new BtfWriter();
  const u64 = w.int('unsigned long long', 8);
  const s64 = w.int('long long', 8, IntEncoding.SIGNED);
  const u32 = w.int('unsigned int', 4);
  const btf = () => Btf.parse(w.bytes());

  it.each([
    [0n, 0], [2n ** 32n, 4294967296], [2n ** 53n - 1n, 9007199254740991], [2n ** 53n, '9007199254740992'], [2n ** 53n + 1n, '9007199254740993'], [2n ** 64n - 1n, '18446744073709551615'],
  ])('u64 %s decodes to %j', (value, expected) => {
    expect(new TypeDecoder(btf()).decode(u64, Uint8Array.from(le(value, 8)))).toBe(expected);
  });

  it.each([
    [-1n, -1], [-(2n ** 53n) + 1n, -9007199254740991], [-(2n ** 53n), '-9007199254740992'], [-(2n ** 63n), '-9223372036854775808'], [2n ** 63n - 1n, '9223372036854775807'],
  ])('s64 %s decodes to %j', (value, expected) => {
    expect(new TypeDecoder(btf()).decode(s64, Uint8Array.from(le(value, 8)))).toBe(expected);
  });

  it('reads bitfields across byte boundaries and beyond 2^53 exactly', () => {
    const bits = new BtfWriter();
    const word = bits.int('unsigned long long', 8);
    const id = bits.struct('flags', 16, [
      { name: 'a', type: word, bitOffset: 0, bits: 3 },
      { name: 'b', type: word, bitOffset: 3, bits: 13 },
      { name: 'c', type: word, bitOffset: 16, bits: 40 },
      { name: 'd', type: word, bitOffset: 59, bits: 61 },
    ]);
    const raw = (1n << 128n) - 1n - (1n << 5n) - (1n << 70n);
    const field = (offset: number, width: number) => (raw >> BigInt(offset)) & ((1n << BigInt(width)) - 1n);
    const decoded = new TypeDecoder(Btf.parse(bits.bytes())).decode(id, Uint8Array.from(le(raw, 16)));
    expect(decoded).toEqual({ a: Number(field(0, 3)), b: Number(field(3, 13)), c: Number(field(16, 40)), d: field(59, 61).toString() });
  });

  it('names enum values, signed and 64-bit ones included, and shows unnamed ones as numbers', () => {
    const e = new BtfWriter();
    const small = e.enum('state', 4, [['NEG', -1n], ['ZERO', 0n]], true);
    const wide = e.enum('wide', 8, [['HIGH', 2n ** 63n], ['ONE', 1n]], false);
    const decoder = new TypeDecoder(Btf.parse(e.bytes()));
    expect(decoder.decode(small, Uint8Array.from(le(-1n, 4)))).toBe('NEG');
    expect(decoder.decode(small, Uint8Array.from(le(7n, 4)))).toBe(7);
    expect(decoder.decode(wide, Uint8Array.from(le(2n ** 63n, 8)))).toBe('HIGH');
    expect(decoder.decode(wide, Uint8Array.from(le(2n ** 60n + 1n, 8)))).toBe('1152921504606846977');
  });

  it('sums per-CPU values exactly, past 2^53 too', () => {
    const id = w.struct('stats', 16, [{ name: 'calls', type: u64, bitOffset: 0 }, { name: 'small', type: u32, bitOffset: 64 }]);
    const slot = (calls: bigint, small: number) => [...le(calls, 8), ...le(BigInt(small), 4), 0, 0, 0, 0];
    const bytes = Uint8Array.from([...slot(2n ** 53n - 1n, 1), ...slot(1n, 2), ...slot(2n ** 60n, 3)]);
    expect(new TypeDecoder(btf()).decodeSummed(id, bytes, 3, 16, 16)).toEqual({ calls: (2n ** 60n + 2n ** 53n).toString(), small: 6 });
    const nearLimit = Uint8Array.from([...slot(2n ** 53n - 1n, 1), ...slot(2n ** 53n - 1n, 1)]);
    expect(new TypeDecoder(btf()).decodeSummed(id, nearLimit, 2, 16, 16)).toEqual({ calls: (2n ** 54n - 2n).toString(), small: 2 });
    expect(sumValues(2 ** 53 - 1, 1)).toBe('9007199254740992');
    expect(sumValues(-(2 ** 53) + 1, -1)).toBe('-9007199254740992');
    expect(sumValues(0.5, 0.25)).toBe(0.75);
  });
});
