/**
 * The pure half of the sampler: counter deltas and reset reads, top N, log2 histograms (delta,
 * series, merged), events under a rate limit, key flattening, address formatting, manifest
 * validation, hook-variant choice and constants. Table-driven where the cases are alike.
 */
import { describe, expect, it } from 'vitest';
import { Accumulator, counterRecord, gaugeRecord, HistogramState, recordKey, topRecord, type DecodedEntry } from '../../../agent/src/sample/decode/map-records.ts';
import { EventCollector } from '../../../agent/src/sample/decode/event-records.ts';
import { sumValues } from '../../../agent/src/sample/decode/per-cpu-sum.ts';
import { formatDevT, formatIpv6 } from '../../../agent/src/sample/decode/field-hints.ts';
import { parseManifest, type ModuleManifest } from '../../../agent/src/sample/decode/manifest.ts';
import { applyConstants, chooseVariant } from '../../../agent/src/lifecycle/module-settings.ts';
import type { BpfObject } from '../../../agent/src/object/index.ts';

const entry = (key: DecodedEntry['key'], value: DecodedEntry['value']): DecodedEntry => ({ key, value });

describe('counter', () => {
  it('reports per-key deltas and leaves out keys that did not change', () => {
    const accumulator = new Accumulator('delta');
    expect(counterRecord(accumulator, [entry(1, 10), entry(2, 5)]).deltas).toEqual([[1, 10], [2, 5]]);
    expect(counterRecord(accumulator, [entry(1, 15), entry(2, 5)]).deltas).toEqual([[1, 5]]);
  });

  it('counts a key that shrank (deleted and recreated) from zero', () => {
    const accumulator = new Accumulator('delta');
    counterRecord(accumulator, [entry(1, 10)]);
    expect(counterRecord(accumulator, [entry(1, 3)]).deltas).toEqual([[1, 3]]);
  });

  it('takes reset readings as they are', () => {
    const accumulator = new Accumulator('reset');
    counterRecord(accumulator, [entry(1, 10)]);
    expect(counterRecord(accumulator, [entry(1, 10)]).deltas).toEqual([[1, 10]]);
  });

  it('gives each numeric field of a struct value its own key, unless one is chosen', () => {
    const key = { pid: 7, comm: 'sh' };
    const value = { calls: 4, latency_ns: 900, note: 'x' };
    expect(counterRecord(new Accumulator('reset'), [entry(key, value)]).deltas).toEqual([[[7, 'sh', 'calls'], 4], [[7, 'sh', 'latency_ns'], 900]]);
    expect(counterRecord(new Accumulator('reset'), [entry(key, value)], ['calls']).deltas).toEqual([[[7, 'sh'], 4]]);
  });

  it('reads 64-bit values that came out as decimal strings', () => {
    expect(counterRecord(new Accumulator('reset'), [entry(1, '9007199254740993')]).deltas).toEqual([[1, 9007199254740993]]);
  });
});

describe('gauge and top', () => {
  it('gauge reports values as they are, zeros included', () => {
    expect(gaugeRecord([entry('a', 0), entry('b', 3)])).toEqual({ kind: 'gauge', values: [['a', 0], ['b', 3]] });
  });

  it('top keeps the N largest window amounts, largest first, and sums the rest', () => {
    const accumulator = new Accumulator('delta');
    topRecord(accumulator, [entry('a', 100), entry('b', 0), entry('c', 0)], 2);
    const record = topRecord(accumulator, [entry('a', 101), entry('b', 50), entry('c', 20), entry('d', 7)], 2);
    expect(record).toEqual({ kind: 'top', entries: [['b', 50], ['c', 20]], other: 8 });
  });
});

describe('histogram', () => {
  it('subtracts the last reading per key and trims trailing zeros', () => {
    const state = new HistogramState('delta', 'usecs', false);
    expect(state.record([entry(0, { slots: [1, 2, 0, 0] })])).toEqual({ kind: 'histogram', unit: 'usecs', buckets: [1, 2] });
    expect(state.record([entry(0, { slots: [1, 5, 1, 0] })])).toEqual({ kind: 'histogram', unit: 'usecs', buckets: [0, 3, 1] });
  });

  it('keeps one series per key, or merges all keys', () => {
    const entries = [entry({ dev: '7:0', metric: 'size_bytes' }, { slots: [0, 1] }), entry({ dev: '8:0', metric: 'size_bytes' }, { slots: [0, 2, 1] })];
    expect(new HistogramState('reset', 'bytes', true).record(entries)).toEqual({
      kind: 'histogram', unit: 'bytes', series: [[['7:0', 'size_bytes'], [0, 1]], [['8:0', 'size_bytes'], [0, 2, 1]]],
    });
    expect(new HistogramState('reset', 'bytes', false).record(entries)).toEqual({ kind: 'histogram', unit: 'bytes', buckets: [0, 3, 1] });
  });

  it('leaves out series with nothing in the window', () => {
    const state = new HistogramState('delta', 'usecs', true);
    state.record([entry(1, [4]), entry(2, [1])]);
    expect(state.record([entry(1, [4]), entry(2, [3])])).toEqual({ kind: 'histogram', unit: 'usecs', series: [[2, [2]]] });
  });
});

describe('events', () => {
  const layout = { fields: ['pid', 'comm'], timestamp: 'ts_ns', maxEventsPerSecond: 2 };

  it('keeps events up to the rate and counts the rest as dropped', () => {
    const collector = new EventCollector(layout, 1_000_000_000n);
    for (let i = 0; i < 5; i++) collector.add({ ts_ns: 1_000_000_000 + i * 1000, pid: i, comm: 'sh' }, 1_000_500_000n);
    collector.addDropped(1);
    const record = collector.take(2_000_000_000n);
    expect(record.rows).toEqual([{ offsetUs: 0, values: [0, 'sh'] }, { offsetUs: 1, values: [1, 'sh'] }]);
    expect(record.dropped).toBe(4);
    expect(collector.take(3_000_000_000n)).toEqual({ kind: 'events', fields: ['pid', 'comm'], rows: [], dropped: 0 });
  });

  it('uses the receive time when an event has no timestamp', () => {
    const collector = new EventCollector({ fields: ['pid'], maxEventsPerSecond: 10 }, 0n);
    collector.add({ pid: 1 }, 2_500_000n);
    expect(collector.take(10_000_000n).rows).toEqual([{ offsetUs: 2500, values: [1] }]);
  });
});

describe('keys and formatting', () => {
  it.each([
    [5, 5],
    ['tcp', 'tcp'],
    [{ pid: 1, syscall: 39, comm: 'sh' }, [1, 39, 'sh']],
    [{ dev: '7:0', metric: 'latency_us' }, ['7:0', 'latency_us']],
    [[1, [2, 3]], [1, 2, 3]],
  ])('recordKey(%j) is %j', (key, expected) => {
    expect(recordKey(key)).toEqual(expected);
  });

  it.each([
    ['00000000000000000000ffff7f000001', '127.0.0.1'],
    ['00000000000000000000000000000001', '::1'],
    ['20010db8000000000000000000000001', '2001:db8::1'],
    ['fe800000000000000000000000000000', 'fe80::'],
    ['20010db8000100000001000000000001', '2001:db8:1:0:1::1'],
    ['00000000000000000000000000000000', '::'],
  ])('formatIpv6(%s) is %s', (hex, text) => {
    expect(formatIpv6(Uint8Array.from(hex.match(/../g)!.map((b) => parseInt(b, 16))))).toBe(text);
  });

  it('formats dev_t as major:minor', () => {
    expect(formatDevT((259 << 20) | 3)).toBe('259:3');
  });

  it('sums per-CPU values member by member, big ones as decimal strings', () => {
    expect(sumValues({ packets: 1, bytes: '9007199254740992', name: 'a' }, { packets: 2, bytes: 1, name: 'b' })).toEqual({ packets: 3, bytes: '9007199254740993', name: 'a' });
    expect(sumValues([1, 2], [3, 4])).toEqual([4, 6]);
  });
});

describe('manifest and variants', () => {
  const manifest = (record: object, variants: object[] = [{ name: 'tp', programs: ['a'] }]) => JSON.stringify({ name: 'm', version: 2, variants, record });

  it('parses with defaults', () => {
    const parsed = parseManifest(manifest({ kind: 'top', map: 'counts' }));
    expect(parsed).toMatchObject({ name: 'm', version: '2', intervalMs: 10_000, interface: 'lo', record: { kind: 'top', map: 'counts', read: 'delta', topN: 10 } });
  });

  it('keeps the key field names and syscall hints readers use', () => {
    const parsed = parseManifest(manifest({ kind: 'counter', map: 'counts', key: ['pid', 'nr'], hints: { nr: 'syscall' } }));
    expect(parsed.record).toMatchObject({ key: ['pid', 'nr'], hints: { nr: 'syscall' } });
  });

  it.each([
    ['not json', /not JSON/],
    [manifest({ kind: 'pie', map: 'x' }), /record.kind: 'pie' is not one of/],
    [manifest({ kind: 'counter', map: 'x', read: 'sometimes' }), /record.read: must be 'reset' or 'delta'/],
    [manifest({ kind: 'histogram', map: 'x' }), /record.unit: must be a non-empty string/],
    [manifest({ kind: 'counter', map: 'x', hints: { saddr: 'mac' } }), /record.hints.saddr: must be one of ipv4, ipv6, dev_t, syscall/],
    [manifest({ kind: 'counter', map: 'x', key: 'pid' }), /record.key: must be a list of strings/],
    [manifest({ kind: 'counter', map: 'x' }, []), /variants: must list at least one/],
  ])('rejects %s', (text, message) => {
    expect(() => parseManifest(text)).toThrow(message);
  });

  const variants: ModuleManifest = parseManifest(manifest({ kind: 'counter', map: 'x' }, [
    { name: 'kprobe', programs: ['k'], requires: ['perf kprobe PMU'] },
    { name: 'tracepoint', programs: ['t'], requires: ['tracepoint programs'] },
  ]));

  it('chooses the first variant whose features the kernel has', () => {
    expect(chooseVariant(variants, (f) => f !== 'perf kprobe PMU').name).toBe('tracepoint');
    expect(chooseVariant(variants, () => true).name).toBe('kprobe');
  });

  it('takes a forced variant, and says what is missing when none runs', () => {
    expect(chooseVariant(variants, () => false, 'kprobe').name).toBe('kprobe');
    expect(() => chooseVariant(variants, () => true, 'fentry')).toThrow(/no hook variant 'fentry'; it has kprobe, tracepoint/);
    expect(() => chooseVariant(variants, () => false)).toThrow(/kprobe needs perf kprobe PMU; tracepoint needs tracepoint programs/);
  });
});

describe('constants', () => {
  const withRodata = (variables: Array<{ name: string; size: number }>) => {
    let offset = 0;
    const placed = variables.map((v) => ({ name: v.name, typeId: 0, offset: (offset += v.size) - v.size, size: v.size }));
    return { globals: [{ sectionName: '.rodata', sectionIndex: 1, readOnly: true, bytes: new Uint8Array(offset), variables: placed }] } as unknown as BpfObject;
  };
  const manifest = parseManifest(JSON.stringify({ name: 'm', version: '1', variants: [{ name: 'tp', programs: ['a'] }], record: { kind: 'counter', map: 'x' }, constants: ['pid', 'port', 'comm', 'delta'] }));

  it('writes integers little-endian at their size, negative ones two\'s complement, text NUL-padded', () => {
    const object = withRodata([{ name: 'pid', size: 4 }, { name: 'port', size: 2 }, { name: 'comm', size: 8 }, { name: 'delta', size: 4 }]);
    applyConstants(object, manifest, { pid: 0x01020304, port: '0x1f90', comm: 'nginx', delta: -2 });
    expect(Array.from(object.globals[0].bytes)).toEqual([4, 3, 2, 1, 0x90, 0x1f, 110, 103, 105, 110, 120, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff]);
  });

  it.each([
    [{ other: 1 }, /'other' is not a setting; it has pid, port, comm, delta/],
    [{ port: 70000 }, /70000 does not fit constant 'port' \(2 bytes\)/],
    [{ comm: 'much-too-long' }, /holds at most 7 bytes of text/],
    [{ pid: 1.5e300 }, /does not fit constant 'pid'/],
  ])('rejects %j', (constants, message) => {
    const object = withRodata([{ name: 'pid', size: 4 }, { name: 'port', size: 2 }, { name: 'comm', size: 8 }, { name: 'delta', size: 4 }]);
    expect(() => applyConstants(object, manifest, constants)).toThrow(message);
  });
});
