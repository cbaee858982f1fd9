/**
 * Robustness: thousands of mutated objects and BTFs, made from a small compiled snippet by the
 * fuzz harness (seeded, in worker threads; see test/support/fuzz/). Each must end in a MoteError
 * or a valid result, never a RangeError, a TypeError or a hang.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Btf } from '../../agent/src/btf/btf.ts';
import { BtfTypeError } from '../../agent/src/btf/errors.ts';
import { inspectObject } from '../../agent/src/object/index.ts';
import { fuzzInWorkers } from '../support/fuzz/workers.ts';
import type { InspectFuzzData } from '../support/inspect.fuzz.ts';
import { compileBpf, targetBtfFromC } from './support/clang.ts';
import { CORE_SNIPPET_C, CORE_TARGET_C } from '../support/fuzz/core-snippet.ts';

const OBJECT = compileBpf(CORE_SNIPPET_C);
const TARGET = new Uint8Array(readFileSync(targetBtfFromC(CORE_TARGET_C, 'arm')));

describe('fuzz', () => {
  it('the unmutated inputs relocate', () => {
    expect(() => inspectObject(OBJECT, TARGET)).not.toThrow();
  });

  it.each([
    ['object', 3000, 0x5eed],
    ['target BTF', 2000, 0xb7f],
  ] as const)('mutated %s: %i inputs end in a result or a MoteError, none hangs', async (which, inputs, seed) => {
    const report = await fuzzInWorkers({
      name: `unit fuzz of the ${which}`,
      seed,
      inputs,
      target: new URL('../support/inspect.fuzz.ts', import.meta.url),
      data: { objects: [{ name: 'snippet.o', bytes: OBJECT }], btfs: [{ name: 'target.btf', bytes: TARGET }], mutate: which } satisfies InspectFuzzData,
    });
    console.log(report.summary());
    expect(report.problems).toEqual([]);
    expect(report.finished).toBe(inputs);
    expect(report.count('typed error')).toBeGreaterThan(0);
  });

  it('a typedef cycle is an error, not a hang', () => {
    // Two typedefs naming each other: [1] a -> [2], [2] b -> [1].
    const strings = [0, 0x61, 0, 0x62, 0];
    const types = [[1, 8 << 24, 2], [3, 8 << 24, 1]].flat();
    const bytes = new Uint8Array(24 + types.length * 4 + strings.length);
    const view = new DataView(bytes.buffer);
    view.setUint16(0, 0xeb9f, true);
    bytes[2] = 1;
    view.setUint32(4, 24, true);
    view.setUint32(12, types.length * 4, true);
    view.setUint32(16, types.length * 4, true);
    view.setUint32(20, strings.length, true);
    types.forEach((v, i) => view.setUint32(24 + i * 4, v, true));
    bytes.set(strings, 24 + types.length * 4);
    const btf = Btf.parse(bytes);
    expect(btf.count).toBe(3);
    expect(() => btf.skipModsAndTypedefs(1)).toThrow(BtfTypeError);
    expect(() => btf.resolveSize(1, 8)).toThrow(BtfTypeError);
  });
});
