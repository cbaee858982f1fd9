/**
 * Records between their readable form (records.ts) and their wire form (schema.cddl `record`):
 * written straight into a CborWriter, read back from what cbor.ts decodes. Histograms are cut to
 * [first bucket, counts...]; keyed data becomes CBOR maps or pair lists.
 */
import type { CborWriter } from './cbor-writer.ts';
import { TelemetryDecodeError } from './errors.ts';
import { type EventRow, type Key, type TelemetryRecord, type Value } from '../sample/decode/records.ts';

const KIND_COUNTER = 1;
const KIND_GAUGE = 2;
const KIND_HISTOGRAM = 3;
const KIND_TOP = 4;
const KIND_EVENTS = 5;

/** A key: a text, an integer, or an array of them. */
function writeKey(w: CborWriter, key: Key): void {
  if (typeof key === 'string') return w.text(key);
  if (typeof key === 'number') return w.number(key);
  w.textsAndNumbers(key);
}

/** Keys already written in one map, to see whether any repeats (a map holds each key once). */
const seen = new Set<string | number>();

/**
 * The pairs of `{ key => value }`. A key given twice is written once, where it came first, with
 * its last value (as a Map built from the pairs keeps it); composite keys are never the same key.
 */
function uniquePairs<T>(pairs: ReadonlyArray<readonly [Key, T]>): ReadonlyArray<readonly [Key, T]> {
  seen.clear();
  let repeated = false;
  const count = pairs.length;
  for (let i = 0; i < count; i++) {
    const key = pairs[i]![0];
    if (typeof key === 'object') continue;
    if (seen.has(key)) repeated = true;
    seen.add(key);
  }
  return repeated ? [...new Map<Key, T>(pairs)] : pairs;
}

/** `{ key => number }`: a loop of its own, with no call per value through a callback. */
function writeKeyedNumbers(w: CborWriter, pairs: ReadonlyArray<readonly [Key, number]>): void {
  const unique = uniquePairs(pairs);
  const length = unique.length;
  w.mapHead(length);
  for (let i = 0; i < length; i++) {
    const pair = unique[i]!;
    const key = pair[0];
    if (typeof key === 'object') w.textsAndNumbers(key);
    else if (typeof key === 'string') w.text(key);
    else w.number(key);
    w.number(pair[1]);
  }
}

function writeKeyedHistograms(w: CborWriter, pairs: ReadonlyArray<readonly [Key, number[]]>): void {
  const unique = uniquePairs(pairs);
  const length = unique.length;
  w.mapHead(length);
  for (let i = 0; i < length; i++) {
    const pair = unique[i]!;
    writeKey(w, pair[0]);
    writeHistogram(w, pair[1]);
  }
}

/** [first non-empty bucket index, counts up to the last non-empty one]; [0] when all are empty. */
function writeHistogram(w: CborWriter, buckets: number[]): void {
  let first = 0;
  while (first < buckets.length && buckets[first] === 0) first++;
  if (first === buckets.length) {
    w.arrayHead(1);
    return w.number(0);
  }
  let last = buckets.length - 1;
  while (buckets[last] === 0) last--;
  w.arrayHead(last - first + 2);
  w.number(first);
  w.numbers(buckets, first, last + 1);
}

function writeValue(w: CborWriter, value: Value): void {
  if (typeof value === 'number') w.number(value);
  else if (typeof value === 'string') w.text(value);
  else if (typeof value === 'bigint') w.bigint(value);
  else if (typeof value === 'boolean') w.boolean(value);
  else if (value === null) w.null();
  else w.byteString(value);
}

/** Writes the record in its wire form (schema.cddl `record`). */
export function writeRecord(w: CborWriter, record: TelemetryRecord): void {
  switch (record.kind) {
    case 'counter':
    case 'gauge':
      w.arrayHead(2);
      w.number(record.kind === 'counter' ? KIND_COUNTER : KIND_GAUGE);
      return writeKeyedNumbers(w, record.kind === 'counter' ? record.deltas : record.values);
    case 'histogram':
      w.arrayHead(3);
      w.number(KIND_HISTOGRAM);
      w.text(record.unit);
      if ('buckets' in record) return writeHistogram(w, record.buckets);
      return writeKeyedHistograms(w, record.series);
    case 'top':
      w.arrayHead(3);
      w.number(KIND_TOP);
      w.number(record.other);
      w.arrayHead(record.entries.length);
      for (let i = 0; i < record.entries.length; i++) {
        const entry = record.entries[i]!;
        w.arrayHead(2);
        writeKey(w, entry[0]);
        w.number(entry[1]);
      }
      return;
    case 'events':
      w.arrayHead(4);
      w.number(KIND_EVENTS);
      w.number(record.dropped);
      w.arrayHead(record.fields.length);
      for (let i = 0; i < record.fields.length; i++) w.text(record.fields[i]!);
      w.arrayHead(record.rows.length);
      for (let i = 0; i < record.rows.length; i++) {
        const row = record.rows[i]!;
        const values = row.values;
        w.arrayHead(values.length + 1);
        w.number(row.offsetUs);
        for (let j = 0; j < values.length; j++) writeValue(w, values[j]!);
      }
  }
}

function fail(what: string): never {
  throw new TelemetryDecodeError(`record: ${what}`);
}

function asUint(value: unknown, what: string): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  return fail(`${what} must be an unsigned integer, got ${String(value)}`);
}

function asNumber(value: unknown, what: string): number {
  if (typeof value === 'number') return value;
  return fail(`${what} must be a number, got ${String(value)}`);
}

function asArray(value: unknown, what: string): unknown[] {
  return Array.isArray(value) ? value : fail(`${what} must be an array`);
}

function asMap(value: unknown, what: string): Map<unknown, unknown> {
  return value instanceof Map ? value : fail(`${what} must be a map`);
}

function asKey(value: unknown): Key {
  if (typeof value === 'string' || typeof value === 'number') return value;
  if (Array.isArray(value) && value.length > 0 && value.every((part) => typeof part === 'string' || typeof part === 'number')) {
    return value as Array<string | number>;
  }
  return fail(`key must be a text, an integer or an array of them, got ${String(value)}`);
}

function keyedPairs(value: unknown, what: string): Array<[Key, number]> {
  return [...asMap(value, what)].map(([key, n]) => [asKey(key), asNumber(n, `${what} value`)]);
}

function uncutHistogram(value: unknown): number[] {
  const [first, ...counts] = asArray(value, 'hist');
  const buckets: number[] = new Array(asUint(first, 'hist first bucket')).fill(0);
  return counts.length === 0 ? [] : buckets.concat(counts.map((count) => asUint(count, 'hist count')));
}

function asValue(value: unknown): Value {
  if (value === null || ['number', 'bigint', 'string', 'boolean'].includes(typeof value) || value instanceof Uint8Array) {
    return value as Value;
  }
  return fail(`event value of unexpected type ${typeof value}`);
}

function eventRow(value: unknown): EventRow {
  const [offset, ...values] = asArray(value, 'event row');
  return { offsetUs: asUint(offset, 'event offset'), values: values.map(asValue) };
}

export function recordFromWire(wire: unknown): TelemetryRecord {
  const [kind, ...rest] = asArray(wire, 'record');
  switch (kind) {
    case KIND_COUNTER:
      return { kind: 'counter', deltas: keyedPairs(rest[0], 'counter deltas') };
    case KIND_GAUGE:
      return { kind: 'gauge', values: keyedPairs(rest[0], 'gauge values') };
    case KIND_HISTOGRAM: {
      const unit = typeof rest[0] === 'string' ? rest[0] : fail('histogram unit must be a text');
      if (Array.isArray(rest[1])) return { kind: 'histogram', unit, buckets: uncutHistogram(rest[1]) };
      const series = [...asMap(rest[1], 'histogram series')].map(([key, hist]): [Key, number[]] => [asKey(key), uncutHistogram(hist)]);
      return { kind: 'histogram', unit, series };
    }
    case KIND_TOP:
      return {
        kind: 'top',
        other: asUint(rest[0], 'top other'),
        entries: asArray(rest[1], 'top entries').map((pair) => {
          const [key, value] = asArray(pair, 'top entry');
          return [asKey(key), asUint(value, 'top value')];
        }),
      };
    case KIND_EVENTS:
      return {
        kind: 'events',
        dropped: asUint(rest[0], 'events dropped'),
        fields: asArray(rest[1], 'event fields').map((field) => (typeof field === 'string' ? field : fail('event field names must be texts'))),
        rows: asArray(rest[2], 'event rows').map(eventRow),
      };
    default:
      return fail(`unknown record kind ${String(kind)}; this decoder knows kinds 1 to 5, update it`);
  }
}
