/**
 * Records between their readable form (records.ts) and their wire form (schema.cddl `record`).
 * Histograms are cut to [first bucket, counts...]; keyed data becomes CBOR maps or pair lists.
 */
import { wireInteger } from './cbor.ts';
import { TelemetryDecodeError } from './errors.ts';
import { type EventRow, type Key, type TelemetryRecord, type Value } from '../sample/decode/records.ts';

const KIND_COUNTER = 1;
const KIND_GAUGE = 2;
const KIND_HISTOGRAM = 3;
const KIND_TOP = 4;
const KIND_EVENTS = 5;

function wireNumber(value: number): number | bigint {
  return Number.isInteger(value) ? wireInteger(value) : value;
}

function wireValue(value: Value): unknown {
  return typeof value === 'number' ? wireNumber(value) : value;
}

function keyedMap(pairs: Array<[Key, number]>): Map<Key, number | bigint> {
  return new Map(pairs.map(([key, value]) => [key, wireNumber(value)]));
}

/** [first non-empty bucket index, counts up to the last non-empty one]; [0] when all are empty. */
function cutHistogram(buckets: number[]): Array<number | bigint> {
  const first = buckets.findIndex((count) => count !== 0);
  if (first < 0) return [0];
  let last = buckets.length - 1;
  while (buckets[last] === 0) last--;
  return [first, ...buckets.slice(first, last + 1).map(wireInteger)];
}

export function recordToWire(record: TelemetryRecord): unknown[] {
  switch (record.kind) {
    case 'counter':
      return [KIND_COUNTER, keyedMap(record.deltas)];
    case 'gauge':
      return [KIND_GAUGE, keyedMap(record.values)];
    case 'histogram':
      if ('buckets' in record) return [KIND_HISTOGRAM, record.unit, cutHistogram(record.buckets)];
      return [KIND_HISTOGRAM, record.unit, new Map(record.series.map(([key, buckets]) => [key, cutHistogram(buckets)]))];
    case 'top':
      return [KIND_TOP, wireInteger(record.other), record.entries.map(([key, value]) => [key, wireInteger(value)])];
    case 'events':
      return [
        KIND_EVENTS,
        wireInteger(record.dropped),
        record.fields,
        record.rows.map((row) => [wireInteger(row.offsetUs), ...row.values.map(wireValue)]),
      ];
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
