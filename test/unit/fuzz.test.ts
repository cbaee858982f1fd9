/**
 * Robustness: thousands of mutated objects and BTFs, made from real ones with a seeded PRNG.
 * Each must end in a MoteError or a valid result, never a RangeError, a TypeError or a hang.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Btf } from '../../agent/src/btf/btf.ts';
import { BtfTypeError } from '../../agent/src/btf/errors.ts';
import { MoteError } from '../../agent/src/errors.ts';
import { inspectObject } from '../../agent/src/object/index.ts';
import { compileBpf, targetBtfFromC } from './support/clang.ts';

const OBJECT = compileBpf(`
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
char LICENSE[] SEC("license") = "GPL";
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 8); __type(key, int); __type(value, long); } m SEC(".maps");
struct task { int pid; struct task *parent; unsigned int a:3, b:5; } __attribute__((preserve_access_index));
enum e { E1, E2 };
const volatile int limit = 3;
static __noinline int sub(struct task *t) { return BPF_CORE_READ(t, parent, pid) + bpf_core_enum_value(enum e, E2); }
SEC("kprobe/x") int prog(struct task *t) {
  int k = 0; long v = limit + BPF_CORE_READ_BITFIELD_PROBED(t, b);
  bpf_map_update_elem(&m, &k, &v, 0);
  return sub(t) + bpf_core_type_size(struct task);
}
`);
const TARGET = new Uint8Array(readFileSync(targetBtfFromC('struct task { int pid; struct task *parent; unsigned int a:3, b:5; }; enum e { E1, E2 }; struct task t; enum e x;', 'arm')));

/** xorshift32, so failures reproduce. */
function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

function mutate(input: Uint8Array, random: () => number): Uint8Array {
  const out = input.slice();
  const edits = 1 + (random() % 8);
  for (let i = 0; i < edits; i++) {
    const at = random() % out.length;
    switch (random() % 4) {
      case 0: out[at] = random() & 0xff; break;
      case 1: out[at] ^= 1 << (random() % 8); break;
      case 2: out.fill(0xff, at, Math.min(out.length, at + 4)); break;
      default: out.fill(0, at, Math.min(out.length, at + 4)); break;
    }
  }
  return random() % 16 === 0 ? out.subarray(0, random() % out.length) : out;
}

function outcome(run: () => unknown): string {
  try {
    run();
    return 'ok';
  } catch (e) {
    if (e instanceof MoteError) return 'typed';
    throw e;
  }
}

describe('fuzz', () => {
  it('the unmutated inputs relocate', () => {
    expect(outcome(() => inspectObject(OBJECT, TARGET))).toBe('ok');
  });

  it.each([
    ['object', 3000],
    ['target BTF', 2000],
  ])('mutated %s: %i inputs end in a result or a MoteError within 1 s each (a hang detector)', (which, count) => {
    const random = prng(which === 'object' ? 0x5eed : 0xb7f);
    const seen = { ok: 0, typed: 0 };
    for (let i = 0; i < count; i++) {
      const object = which === 'object' ? mutate(OBJECT, random) : OBJECT;
      const target = which === 'object' ? TARGET : mutate(TARGET, random);
      const started = performance.now();
      let result: string;
      try {
        result = outcome(() => inspectObject(object, target));
      } catch (e) {
        throw new Error(`input #${i} of the ${which} fuzz escaped with ${(e as Error).name}: ${(e as Error).message}`, { cause: e });
      }
      expect(performance.now() - started, `input #${i}`).toBeLessThan(1000);
      seen[result as 'ok' | 'typed']++;
    }
    expect(seen.typed).toBeGreaterThan(0);
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
