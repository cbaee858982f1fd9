/**
 * Compiled cells (compiled-cells.ts) against the path they replace: entries decoded by the
 * interpreted reference (btf-value.ts, per-CPU copies summed by sumValues) and flattened by
 * numericCells(). A fuzz run over random key and value types and bytes, read from chunks of
 * several entries as batch reads give them, with per-CPU copies and random field selections;
 * then every map of the built-in modules' objects with their manifests' hints; then the
 * exactness cases (64-bit values past 2^53, bitfields, enums, per-CPU sums) through cells.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Btf } from '../../../agent/src/btf/btf.ts';
import { IntEncoding } from '../../../agent/src/abi/btf-kinds.ts';
import { BtfValueDecoder, type JsonValue } from '../../../agent/src/sample/decode/btf-value.ts';
import { CellsRunner, compileCells } from '../../../agent/src/sample/decode/compiled-cells.ts';
import { MemberHints } from '../../../agent/src/sample/decode/field-hints.ts';
import { TypeDecoder } from '../../../agent/src/sample/decode/field-format.ts';
import { entryCells } from '../../../agent/src/sample/decode/map-records.ts';
import { sumValues } from '../../../agent/src/sample/decode/per-cpu-sum.ts';
import { parseManifest } from '../../../agent/src/sample/decode/manifest.ts';
import { loadObject } from '../../../agent/src/object/index.ts';
import { buildModules, type BuiltModule } from '../../../bundler/build/modules.ts';
import { BtfWriter } from '../../support/btf-writer.ts';
import { inputSeed, randomInt, runSeed, seededRandom, type Random } from '../../support/fuzz/seeded-random.ts';
import { RandomTypes } from '../../support/random-btf-types.ts';

const roundUp8 = (size: number) => (size + 7) & ~7;

interface Layout {
  keySize: number;
  valueSize: number;
  slots: number;
}

/** `count` entries' keys and values laid out as a batch read returns them, behind a random lead (none when `aligned`). */
function randomChunk(random: Random, layout: Layout, count: number, aligned = false) {
  const stride = layout.slots > 1 ? roundUp8(layout.valueSize) : layout.valueSize;
  const valueStride = stride * layout.slots;
  const fill = (length: number) => {
    const edges = [0x00, 0xff, 0x1f, 0x20, 0x80, 0x7f];
    const bytes = new Uint8Array(length);
    for (let i = 0; i < length; i++) bytes[i] = random() < 0.5 ? edges[randomInt(random, edges.length)]! : randomInt(random, 256);
    return bytes;
  };
  const keyLead = aligned ? 0 : randomInt(random, 8);
  const valueLead = aligned ? 0 : randomInt(random, 8);
  const keys = fill(keyLead + count * layout.keySize).subarray(keyLead);
  const values = fill(valueLead + count * valueStride).subarray(valueLead);
  return { keys, values, count, stride, valueStride };
}

/** The cells the decode-then-flatten path gives for a chunk, through the interpreted reference. */
function referenceCells(reference: BtfValueDecoder, keyType: number, valueType: number, layout: Layout, chunk: ReturnType<typeof randomChunk>, only?: string[]) {
  const entries = [];
  for (let i = 0; i < chunk.count; i++) {
    const key = reference.decode(keyType, chunk.keys.slice(i * layout.keySize, (i + 1) * layout.keySize));
    const at = i * chunk.valueStride;
    let value: JsonValue = reference.decode(valueType, chunk.values.slice(at, at + layout.valueSize));
    for (let cpu = 1; cpu < layout.slots; cpu++) value = sumValues(value, reference.decode(valueType, chunk.values.slice(at + cpu * chunk.stride, at + cpu * chunk.stride + layout.valueSize)));
    entries.push({ key, value });
  }
  return entryCells(entries, only);
}

const CASES = 400;

describe('compiled cells agree with decoding then flattening', () => {
  const seed = runSeed(0xce115);
  it.each([4, 8])(`on ${CASES} random key and value types, pointers of %i bytes (seed ${seed.toString(16)})`, (pointerSize) => {
    let compiledCases = 0;
    let wordCases = 0;
    for (let index = 0; index < CASES; index++) {
      const random = seededRandom(inputSeed(seed, index * 2 + pointerSize));
      const types = new RandomTypes(random, pointerSize);
      const keyType = types.type(2);
      const valueType = types.type(2);
      const btf = Btf.parse(types.writer.bytes());
      const layout = { keySize: types.sizes.get(keyType)!, valueSize: types.sizes.get(valueType)!, slots: random() < 0.5 ? 1 : 2 + randomInt(random, 3) };
      const hints = random() < 0.5 ? new MemberHints(btf, {}) : null;
      const names = new TypeDecoder(btf).fieldNames(valueType);
      const only = names.length > 0 && random() < 0.3 ? names.filter(() => random() < 0.5) : undefined;
      const stride = layout.slots > 1 ? roundUp8(layout.valueSize) : 0;
      const cells = compileCells(btf, keyType, valueType, pointerSize, hints, only, layout.slots, stride);
      if (!cells) continue;
      compiledCases++;
      const reference = new BtfValueDecoder(btf, pointerSize, hints);
      // The last sample's buffers start aligned: where the layout keeps every entry aligned, the variant reading 32-bit words runs.
      for (let sample = 0; sample < 4; sample++) {
        const chunk = randomChunk(random, layout, 1 + randomInt(random, 4), sample === 3);
        if (sample === 3 && cells.aligned && ((layout.keySize | chunk.valueStride) & 3) === 0) wordCases++;
        const runner = new CellsRunner(cells, layout.keySize, layout.valueSize, chunk.valueStride);
        const what = `case ${index} sample ${sample}: key ${btf.describe(keyType)}, value ${btf.describe(valueType)} x${layout.slots}${only ? `, only ${only.join(',')}` : ''}`;
        const expected = referenceCells(reference, keyType, valueType, layout, chunk, only);
        const actual = runner.run([chunk]);
        expect(actual, what).toEqual(expected);
        expect(JSON.stringify(actual), what).toBe(JSON.stringify(expected));
      }
    }
    // Shapes left to the generic path (a large array in a key, repeated member names) are few.
    expect(compiledCases).toBeGreaterThan(CASES * 0.8);
    expect(wordCases).toBeGreaterThan(CASES * 0.05);
  });
});

describe('compiled cells on the built-in modules', () => {
  let modules: BuiltModule[] = [];
  beforeAll(async () => {
    modules = await buildModules(() => {});
  }, 600_000);

  it('give the cells of decoding then flattening for every map with key and value types, with the manifests\' hints', () => {
    const random = seededRandom(0x5ca1);
    const compiled: string[] = [];
    for (const module of modules) {
      const manifest = parseManifest(readFileSync(module.manifestPath, 'utf8'));
      for (const arch of ['x86_64', 'armhf'] as const) {
        const object = loadObject(readFileSync(module.objects.find((o) => o.arch === arch)!.path));
        const btf = object.btf!;
        const hints = new MemberHints(btf, manifest.record.hints ?? {});
        const reference = new BtfValueDecoder(btf, 8, hints);
        for (const map of object.maps) {
          if (!map.keyTypeId || !map.valueTypeId) continue;
          const only = manifest.record.kind !== 'events' && manifest.record.map === map.name ? manifest.record.values : undefined;
          for (const slots of [1, 3]) {
            const layout = { keySize: map.keySize, valueSize: map.valueSize, slots };
            const cells = compileCells(btf, map.keyTypeId, map.valueTypeId, 8, hints, only, slots, slots > 1 ? roundUp8(map.valueSize) : 0);
            if (!cells) continue;
            compiled.push(`${module.name}.${map.name}`);
            const chunk = randomChunk(random, layout, 5);
            const runner = new CellsRunner(cells, layout.keySize, layout.valueSize, chunk.valueStride);
            expect(runner.run([chunk]), `${module.name} ${arch} map ${map.name} x${slots}`).toEqual(referenceCells(reference, map.keyTypeId, map.valueTypeId, layout, chunk, only));
          }
        }
      }
    }
    // The maps counter records and drop counts are read from compile, on both architectures.
    for (const name of ['syscount.counts', 'sockex1.traffic', 'execsnoop.lost_events', 'tcpconnect.lost_events', 'solisten.lost_events']) {
      expect(compiled.filter((c) => c === name), name).toHaveLength(4);
    }
  });
});

/** One little-endian value of `size` bytes, two's complement. */
function le(value: bigint, size: number): number[] {
  const bits = BigInt.asUintN(size * 8, value);
  return Array.from({ length: size }, (_, i) => Number((bits >> BigInt(8 * i)) & 0xffn));
}

describe('exactness through cells', () => {
  it('keeps 64-bit keys past 2^53 exact, counts from bitfields and enums, and sums per-CPU values', () => {
    const w = new BtfWriter();
    const u64 = w.int('unsigned long long', 8);
    const u32 = w.int('unsigned int', 4);
    const state = w.enum('state', 4, [['IDLE', 0n], ['BUSY', 1n]], false);
    const key = w.struct('key', 16, [{ name: 'id', type: u64, bitOffset: 0 }, { name: 'state', type: state, bitOffset: 64 }, { name: 'low', type: u32, bitOffset: 96, bits: 5 }]);
    const value = w.struct('stats', 16, [{ name: 'calls', type: u64, bitOffset: 0 }, { name: 'small', type: u32, bitOffset: 64 }]);
    const btf = Btf.parse(w.bytes());
    const cells = compileCells(btf, key, value, 8, null, undefined, 2, 16)!;
    expect(cells).not.toBeNull();
    const keys = Uint8Array.from([...le(2n ** 53n + 1n, 8), ...le(1n, 4), ...le(0b1110111n, 4)]);
    const slot = (calls: bigint, small: number) => [...le(calls, 8), ...le(BigInt(small), 4), 0, 0, 0, 0];
    const values = Uint8Array.from([...slot(2n ** 53n - 1n, 1), ...slot(2n ** 53n - 1n, 2)]);
    const out = new CellsRunner(cells, 16, 16, 32).run([{ keys, values, count: 1 }]);
    // numericCells() makes a count a number, as it did before cells: 2^54 - 2 is exact as a double.
    expect(out).toEqual([
      [['9007199254740993', 'BUSY', 0b10111, 'calls'], 2 ** 54 - 2],
      [['9007199254740993', 'BUSY', 0b10111, 'small'], 3],
    ]);
    const bools = new BtfWriter();
    const flag = bools.int('_Bool', 1, IntEncoding.BOOL);
    const single = compileCells(Btf.parse(bools.bytes()), flag, flag, 8, null, undefined)!;
    expect(new CellsRunner(single, 1, 1, 1).run([{ keys: Uint8Array.of(2), values: Uint8Array.of(0), count: 1 }])).toEqual([[1, 0]]);
  });
});
