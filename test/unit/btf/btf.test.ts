/**
 * Btf on hand-made blobs: name lookups (exact and by essential name, through the byte index)
 * agree with decoding every name, corrupt records fail at parse with the record's own error, and
 * a blob at any byte offset reads the same. The running kernel's BTF read as checked by the
 * kernel (measured, not checked) gives the same types and lookups as a full check.
 */
import { describe, expect, it } from 'vitest';
import { Btf, essentialName } from '../../../agent/src/btf/btf.ts';
import { BtfError } from '../../../agent/src/btf/errors.ts';
import { Kind } from '../../../agent/src/abi/btf-kinds.ts';
import { hostKernelBtf } from '../support/clang.ts';

type Name = string | number[];

/** A BTF blob: `records(nameOffset)` gives the type section's words, given each name's string offset. */
function blob(names: Name[], records: (nameOffset: (name: Name) => number) => number[]): Uint8Array {
  const strings: number[] = [0];
  const offsets = new Map<Name, number>();
  for (const name of names) {
    offsets.set(name, strings.length);
    strings.push(...(typeof name === 'string' ? [...name].map((c) => c.charCodeAt(0)) : name), 0);
  }
  const words = records((name) => offsets.get(name)!);
  const bytes = new Uint8Array(24 + words.length * 4 + strings.length);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, 0xeb9f, true);
  bytes[2] = 1;
  view.setUint32(4, 24, true);
  view.setUint32(12, words.length * 4, true);
  view.setUint32(16, words.length * 4, true);
  view.setUint32(20, strings.length, true);
  words.forEach((w, i) => view.setUint32(24 + i * 4, w >>> 0, true));
  bytes.set(strings, 24 + words.length * 4);
  return bytes;
}

const info = (kind: number, vlen = 0) => (kind << 24) | vlen;

/** One empty struct per name. */
function structsNamed(names: Name[]): Uint8Array {
  return blob(names, (at) => names.flatMap((name) => [at(name), info(Kind.STRUCT), 0]));
}

const NAMES: Name[] = [
  'task_struct', 'task_struct___v1', 'task_struct___v1___v2', 'task_struct____v1', 'task_structs', 'task',
  'ab', 'ab___x', 'ab___', 'a___b', 'a', 'a__', '___x', '_', 'abc_', 'abcd', 'abcd___e', 'task_struct',
  [0x61, 0xff], [0xe2, 0x82, 0xac], [0x61, 0xe2, 0x82, 0xac, 0x5f, 0x5f, 0x5f, 0x62],
];

describe('Btf name lookups', () => {
  const btf = Btf.parse(structsNamed(NAMES));
  const decoded = btf.types;
  const queries = [...new Set([...decoded.map((t) => t.name), ...decoded.map((t) => essentialName(t.name)), 'tas', 'ab_', 'zzz', 'task_struct___v2', 'a\ufffd', '\u20ac', 'x\0y'])];

  it.each(queries)('idsByName(%j) is what decoding every name finds', (query) => {
    expect(btf.idsByName(query)).toEqual(decoded.filter((t) => t.name !== '' && t.name === query).map((t) => t.id));
  });

  it.each(queries)('idsByEssentialName(%j) is what decoding every name finds', (query) => {
    expect(btf.idsByEssentialName(query)).toEqual(decoded.filter((t) => t.name !== '' && essentialName(t.name) === query).map((t) => t.id));
  });

  it('finds flavors of a name shorter than four bytes, and the name twice when it is defined twice', () => {
    expect(btf.idsByEssentialName('ab').map((id) => btf.type(id).name)).toEqual(['ab', 'ab___x']);
    expect(btf.idsByName('task_struct')).toEqual([1, 18]);
  });
});

describe('Btf.parse of corrupt records', () => {
  const struct = (at: (name: Name) => number, member: number[]) => [at('s'), info(Kind.STRUCT, 1), 4, ...member];
  it.each([
    ['a member type past the last type', blob(['s', 'm'], (at) => struct(at, [at('m'), 99, 0])), /type \[1\] member 0 at offset 24: refers to type \[99\] but the BTF has only 2 types/],
    ['a member name outside the string table', blob(['s'], (at) => struct(at, [1000, 0, 0])), /type \[1\] member 0 name .*string offset 1000 is outside/],
    ['a record cut off', blob(['s'], (at) => struct(at, [0, 0])), /type \[1\] at offset 36: needs 12 bytes but the input has 20/],
    ['an unknown kind', blob(['s'], (at) => [at('s'), info(25), 0]), /type \[1\] at offset 24: unknown kind 25/],
    ['an int wider than 128 bits', blob(['i'], (at) => [at('i'), info(Kind.INT), 4, 200]), /type \[1\] at offset 24: int of 200 bits/],
    ['a type name outside the string table', blob([], () => [7, info(Kind.PTR), 0]), /type \[1\] name .*string offset 7 is outside/],
  ])('%s is a BtfError naming the record', (_, bytes, message) => {
    expect(() => Btf.parse(bytes)).toThrow(BtfError);
    expect(() => Btf.parse(bytes)).toThrow(message);
  });
});

describe('Btf.parse at any byte offset', () => {
  it.each([1, 2, 3])('a blob %i bytes into its buffer reads as it does at offset 0', (shift) => {
    const bytes = blob(['s', 'm', 'int'], (at) => [at('int'), info(Kind.INT), 4, 32, at('s'), info(Kind.STRUCT, 1), 4, at('m'), 1, 0, 0, info(Kind.PTR), 2]);
    const shifted = new Uint8Array(bytes.length + shift);
    shifted.set(bytes, shift);
    const expected = Btf.parse(bytes).types;
    expect(Btf.parse(shifted.subarray(shift)).types).toEqual(expected);
    expect(Btf.parse(shifted.subarray(shift)).idsByName('s')).toEqual([2]);
  });
});

describe('Btf.parse of the kernel\'s own BTF, as checked by the kernel', () => {
  it('indexes the same records and answers the same lookups as the full check', () => {
    const bytes = hostKernelBtf();
    const checked = Btf.parse(bytes);
    const measured = Btf.parse(bytes, true);
    expect(measured.count).toBe(checked.count);
    const step = Math.max(1, Math.floor(checked.count / 2000));
    for (let id = 0; id < checked.count; id += step) expect(measured.type(id)).toEqual(checked.type(id));
    expect(measured.type(checked.count - 1)).toEqual(checked.type(checked.count - 1));
    for (const name of ['task_struct', 'sched_switch', 'btf_trace_sched_switch', 'trace_event_raw_sched_wakeup_template', 'long int', 'no_such_type_here']) {
      expect(measured.idsByName(name)).toEqual(checked.idsByName(name));
      expect(measured.idsByEssentialName(name)).toEqual(checked.idsByEssentialName(name));
    }
  });

  it('still refuses an unknown kind and a cut-off record, naming the record', () => {
    expect(() => Btf.parse(blob(['s'], (at) => [at('s'), info(25), 0]), true)).toThrow(/type \[1\] at offset 24: unknown kind 25/);
    expect(() => Btf.parse(blob(['s'], (at) => [at('s'), info(Kind.STRUCT, 1), 4, 0, 0]), true)).toThrow(/type \[1\] at offset 36: needs 12 bytes but the input has 20/);
  });
});
