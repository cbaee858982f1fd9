/**
 * The reference the per-record CBOR writer is held to: the envelope built as a tree of Maps and
 * arrays and encoded by cbor.ts's cbor-x configuration (the way the agent encoded every record
 * before it wrote CBOR directly). Integers beyond 32 bits become bigints so that cbor-x writes
 * them as CBOR integers, keys included.
 */
import { encodePlain, wireInteger } from '../../agent/src/telemetry/cbor.ts';
import type { Envelope } from '../../agent/src/telemetry/messages.ts';
import type { Key, TelemetryRecord, Value } from '../../agent/src/sample/decode/records.ts';

const wireNumber = (value: number): number | bigint => (Number.isInteger(value) ? wireInteger(value) : value);
const wireKey = (key: Key): unknown => (typeof key === 'number' ? wireNumber(key) : Array.isArray(key) ? key.map((part) => (typeof part === 'number' ? wireNumber(part) : part)) : key);
const wireValue = (value: Value): unknown => (typeof value === 'number' ? wireNumber(value) : value);

/** Keys as cbor-x must see them while a Map still holds each key once (bigints would not compare equal). */
function keyedMap<T>(pairs: Array<[Key, T]>, value: (item: T) => unknown): Map<unknown, unknown> {
  const unique = new Map<Key, T>(pairs);
  return new Map([...unique].map(([key, item]) => [wireKey(key), value(item)]));
}

function cutHistogram(buckets: number[]): Array<number | bigint> {
  const first = buckets.findIndex((count) => count !== 0);
  if (first < 0) return [0];
  let last = buckets.length - 1;
  while (buckets[last] === 0) last--;
  return [first, ...buckets.slice(first, last + 1).map(wireNumber)];
}

function recordToWire(record: TelemetryRecord): unknown[] {
  switch (record.kind) {
    case 'counter':
      return [1, keyedMap(record.deltas, wireNumber)];
    case 'gauge':
      return [2, keyedMap(record.values, wireNumber)];
    case 'histogram':
      if ('buckets' in record) return [3, record.unit, cutHistogram(record.buckets)];
      return [3, record.unit, keyedMap(record.series, cutHistogram)];
    case 'top':
      return [4, wireNumber(record.other), record.entries.map(([key, value]) => [wireKey(key), wireNumber(value)])];
    case 'events':
      return [5, wireNumber(record.dropped), record.fields, record.rows.map((row) => [wireNumber(row.offsetUs), ...row.values.map(wireValue)])];
  }
}

export function referenceEnvelope(envelope: Envelope): Uint8Array {
  return encodePlain(
    new Map<number, unknown>([
      [0, envelope.schemaVersion],
      [1, envelope.deviceId],
      [2, envelope.bootId],
      [3, wireNumber(envelope.sequence)],
      [4, wireNumber(envelope.timeMs)],
      [5, envelope.module],
      [6, envelope.moduleVersion],
      [7, [wireNumber(envelope.window.startMs), wireNumber(envelope.window.lengthMs)]],
      [8, recordToWire(envelope.record)],
    ]),
  );
}
