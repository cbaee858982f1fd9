/**
 * The history of one device's module: a fixed number of time steps (the history length divided
 * into STEPS slots, reused as a ring), one Float32Array of a value per step for each series, so a
 * series costs about 1 KiB whatever the record rate. Counters keep the sum of their deltas per
 * step and the seconds of sampling window it covers, and read back as rates per second; gauges and
 * tops keep the latest value; histograms keep their latest distribution and the count per step;
 * events keep the newest rows and the events per step.
 */
import type { TelemetryRecord, Value } from '../../agent/src/sample/decode/records.ts';

/** Slots per series: with an hour of history, one every 15 s. */
export const STEPS = 240;
const MAX_EVENT_ROWS = 200;

export type HistoryKind = TelemetryRecord['kind'];
export type JsonValue = number | string | boolean | null;

export interface SeriesView {
  label: string;
  points: Array<[number, number]>;
}

export interface ModuleHistoryView {
  module: string;
  kind: HistoryKind;
  unit?: string;
  series: SeriesView[];
  buckets?: Array<{ le: number | '+Inf'; count: number }>;
  fields?: string[];
  rows?: Array<{ timeMs: number; values: JsonValue[] }>;
}

function jsonValue(value: Value): JsonValue {
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  return value;
}

export class ModuleHistory {
  readonly series = new Map<string, Float32Array>();
  /** The step each slot holds now (NaN: none yet). */
  private readonly slotStep = new Float64Array(STEPS).fill(NaN);
  /** Counters and event rates: seconds of sampling window per slot. */
  private readonly windowSeconds = new Float32Array(STEPS);
  unit?: string;
  private latestBuckets: number[] = [];
  private fields: string[] = [];
  private rows: Array<{ timeMs: number; values: JsonValue[] }> = [];

  constructor(
    readonly module: string,
    readonly kind: HistoryKind,
    private readonly stepMs: number,
  ) {}

  /** The slot of `timeMs`, cleared first if it held an older step. */
  slotAt(timeMs: number): number {
    const step = Math.floor(timeMs / this.stepMs);
    const slot = step % STEPS;
    if (this.slotStep[slot] !== step) {
      this.slotStep[slot] = step;
      this.windowSeconds[slot] = 0;
      for (const values of this.series.values()) values[slot] = NaN;
    }
    return slot;
  }

  /** Adds the record's window to the slot (the denominator of rates). */
  addWindow(slot: number, lengthMs: number): void {
    this.windowSeconds[slot]! += Math.max(lengthMs, 1) / 1000;
  }

  /** The values of a series, made (all NaN) if new. */
  valuesOf(label: string): Float32Array {
    let values = this.series.get(label);
    if (!values) this.series.set(label, (values = new Float32Array(STEPS).fill(NaN)));
    return values;
  }

  /** Adds to a series' slot (counters, counts). */
  add(label: string, slot: number, amount: number): void {
    const values = this.valuesOf(label);
    values[slot] = Number.isNaN(values[slot]!) ? amount : values[slot]! + amount;
  }

  /** Sets a series' slot (gauges, tops). */
  set(label: string, slot: number, value: number): void {
    this.valuesOf(label)[slot] = value;
  }

  setLatestBuckets(buckets: number[]): void {
    this.latestBuckets = buckets;
  }

  addEventRows(fields: string[], rows: Array<{ timeMs: number; values: Value[] }>): void {
    this.fields = fields;
    for (const row of rows) this.rows.push({ timeMs: row.timeMs, values: row.values.map(jsonValue) });
    if (this.rows.length > MAX_EVENT_ROWS) this.rows.splice(0, this.rows.length - MAX_EVENT_ROWS);
  }

  view(nowMs: number): ModuleHistoryView {
    const newest = Math.floor(nowMs / this.stepMs);
    const asRate = this.kind === 'counter' || this.kind === 'histogram' || this.kind === 'events';
    const series = [...this.series].map(([label, values]) => {
      const points: Array<[number, number]> = [];
      for (let step = newest - STEPS + 1; step <= newest; step++) {
        const slot = step % STEPS;
        const value = values[slot]!;
        if (this.slotStep[slot] !== step || Number.isNaN(value)) continue;
        points.push([step * this.stepMs, asRate ? value / (this.windowSeconds[slot]! || 1) : value]);
      }
      return { label, points };
    });
    const view: ModuleHistoryView = { module: this.module, kind: this.kind, series };
    if (this.unit !== undefined) view.unit = this.unit;
    if (this.kind === 'histogram') view.buckets = this.latestBuckets.map((count, i) => ({ le: i === 0 ? 0 : 2 ** i, count }));
    if (this.kind === 'events') Object.assign(view, { fields: this.fields, rows: [...this.rows] });
    return view;
  }
}
