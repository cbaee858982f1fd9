/**
 * The record kinds the sampler produces, in their readable in-memory form. telemetry/codec.ts
 * turns them into the compact wire form described by telemetry/schema.cddl and back.
 */

/** A map key: a name, a number, or a composite of both (e.g. `[pid, comm]`). */
export type Key = string | number | Array<string | number>;

/** One cell of an event row. */
export type Value = number | bigint | string | Uint8Array | boolean | null;

/** Increase per key over the window. Keys that did not change are left out. */
export interface CounterRecord {
  kind: 'counter';
  deltas: Array<[Key, number]>;
}

/** Value per key at the end of the window. */
export interface GaugeRecord {
  kind: 'gauge';
  values: Array<[Key, number]>;
}

/**
 * Base-2 logarithmic histogram over the window: `buckets[i]` counts values v with
 * 2^(i-1) <= v < 2^i, and `buckets[0]` counts zeros. Either one histogram or one per key.
 */
export type HistogramRecord =
  | { kind: 'histogram'; unit: string; buckets: number[] }
  | { kind: 'histogram'; unit: string; series: Array<[Key, number[]]> };

/** The largest keys, largest first, and the sum of all the others. */
export interface TopRecord {
  kind: 'top';
  entries: Array<[Key, number]>;
  other: number;
}

/** One event: its time in microseconds after the window start, then one value per field. */
export interface EventRow {
  offsetUs: number;
  values: Value[];
}

/** Individual events, and how many were lost in this window. */
export interface EventsRecord {
  kind: 'events';
  fields: string[];
  rows: EventRow[];
  dropped: number;
}

export type TelemetryRecord = CounterRecord | GaugeRecord | HistogramRecord | TopRecord | EventsRecord;

/** The part of the monotonic timeline a record covers, in milliseconds. */
export interface SamplingWindow {
  startMs: number;
  lengthMs: number;
}
