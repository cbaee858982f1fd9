/**
 * The embedded history: the last `historyMinutes` of every series of every device's modules, in
 * memory (module-history.ts). Bounded twice: per device and module at most `seriesPerModule`
 * series (keys past the cap go into one `other` series), and in all at most `maxSeries` (the
 * module histories updated least recently are dropped first, and their series counted).
 */
import type { FleetEvent, FleetEventSink } from '../ingest/fleet-events.ts';
import type { Envelope } from '../../agent/src/telemetry/messages.ts';
import type { Key } from '../../agent/src/sample/decode/records.ts';
import { BoundedMap } from '../ingest/bounded-map.ts';
import { ModuleHistory, STEPS, type ModuleHistoryView } from './module-history.ts';
import { keyText, labelledAmounts } from './series-labels.ts';

export interface HistoryOptions {
  historyMinutes: number;
  seriesPerModule: number;
  maxSeries: number;
  /** The machine (`uname -m`) of a device, for syscall names. */
  archOf(device: string): string;
}

const OTHER = 'other';

export class History implements FleetEventSink {
  /** Keyed by JSON [device, module]; most recently updated last. */
  private readonly modules = new BoundedMap<string, ModuleHistory>(Infinity);
  private readonly stepMs: number;
  private seriesCount = 0;
  /** Series dropped to stay within maxSeries. */
  droppedSeries = 0;

  constructor(private readonly options: HistoryOptions) {
    this.stepMs = Math.max(1000, Math.ceil((options.historyMinutes * 60_000) / STEPS));
  }

  accept(event: FleetEvent): void {
    if (event.kind === 'telemetry') this.record(event.device, event.envelope, event.receivedMs);
  }

  get totalSeries(): number {
    return this.seriesCount;
  }

  view(device: string, module: string, nowMs = Date.now()): ModuleHistoryView | undefined {
    return this.modules.peek(JSON.stringify([device, module]))?.view(nowMs);
  }

  private record(device: string, envelope: Envelope, nowMs: number): void {
    const id = JSON.stringify([device, envelope.module]);
    const record = envelope.record;
    let history = this.modules.get(id);
    if (!history || history.kind !== record.kind) {
      if (history) this.forget(id, history);
      history = new ModuleHistory(envelope.module, record.kind, this.stepMs);
      this.modules.set(id, history);
    }
    const before = history.series.size;
    const slot = history.slotAt(nowMs);
    const labelled = (amounts: Array<[Key, number]>) => this.capped(history, labelledAmounts(envelope.module, this.options.archOf(device), amounts));
    switch (record.kind) {
      case 'counter':
        history.addWindow(slot, envelope.window.lengthMs);
        for (const [label, amount] of labelled(record.deltas)) history.add(label, slot, amount);
        break;
      case 'gauge':
        for (const [label, value] of labelled(record.values)) history.set(label, slot, value);
        break;
      case 'top':
        for (const [label, value] of labelled(record.entries)) history.set(label, slot, value);
        history.set(OTHER, slot, record.other);
        break;
      case 'histogram': {
        history.unit = record.unit;
        history.addWindow(slot, envelope.window.lengthMs);
        const perKey: Array<[string, number[]]> = 'series' in record ? record.series.map(([key, buckets]) => [keyText(key), buckets]) : [['', record.buckets]];
        const merged: number[] = [];
        for (const [, buckets] of perKey) buckets.forEach((count, i) => (merged[i] = (merged[i] ?? 0) + count));
        history.setLatestBuckets(merged);
        history.add('_count', slot, merged.reduce((sum, count) => sum + count, 0));
        // Per-key counts when the record has keys (a window without any has an empty series list).
        if (perKey.length > 1 || (perKey.length === 1 && perKey[0]![0] !== '')) {
          for (const [label, buckets] of this.capped(history, perKey.map(([key, buckets]) => [`${key} _count`, buckets.reduce((a, b) => a + b, 0)]))) history.add(label, slot, buckets);
        }
        break;
      }
      case 'events':
        history.addWindow(slot, envelope.window.lengthMs);
        history.add('events', slot, record.rows.length);
        history.add('dropped', slot, record.dropped);
        history.addEventRows(record.fields, record.rows.map((row) => ({ timeMs: nowMs, values: row.values })));
        break;
    }
    this.seriesCount += history.series.size - before;
    this.dropOldest();
  }

  /** Amounts whose label would pass the per-module cap go to `other`. */
  private capped(history: ModuleHistory, amounts: Array<[string, number]>): Array<[string, number]> {
    const room = this.options.seriesPerModule - history.series.size;
    let added = 0;
    return amounts.map(([label, amount]): [string, number] => {
      if (history.series.has(label)) return [label, amount];
      return added++ < room - 1 ? [label, amount] : [OTHER, amount];
    });
  }

  private dropOldest(): void {
    for (const [id, history] of this.modules) {
      if (this.seriesCount <= this.options.maxSeries) return;
      this.forget(id, history);
      this.droppedSeries += history.series.size;
    }
  }

  private forget(id: string, history: ModuleHistory): void {
    this.modules.delete(id);
    this.seriesCount -= history.series.size;
  }
}
