/**
 * The record kinds the sampler hands to telemetry, in their readable in-memory form. codec.ts
 * turns them into the compact wire form described by schema.cddl and back.
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

/** A record with everything the envelope carries around it. */
export interface Envelope {
  schemaVersion: number;
  deviceId: string;
  bootId: Uint8Array;
  sequence: number;
  timeMs: number;
  module: string;
  moduleVersion: string;
  window: SamplingWindow;
  record: TelemetryRecord;
}

export interface ModuleStatus {
  name: string;
  version: string;
  /** The hook variant a running module uses (`tracepoint`, `kprobe`, ...). */
  variant?: string;
  /** Why the module is not running; absent when it runs. */
  error?: string;
}

export interface StatusCounters {
  sent: number;
  dropped: number;
  reconnects: number;
  depth: number;
  /** Inbound messages on subscribed topics that were rejected (not a CBOR map, no handler, ...). */
  rejected?: number;
  /** Inbound bytes that did not parse as MQTT, or packets a client must not receive. */
  malformed?: number;
}

/** The retained status message; the Last Will carries it without modules and counters. */
export interface Status {
  schemaVersion: number;
  deviceId: string;
  bootId: Uint8Array;
  timeMs: number;
  state: 'online' | 'offline';
  agentVersion: string;
  release: string;
  machine: string;
  modules?: ModuleStatus[];
  counters?: StatusCounters;
}

export const SCHEMA_VERSION = 1;
