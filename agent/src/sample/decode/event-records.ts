/**
 * Collects decoded ring buffer records into the interval's events record, under a rate limit:
 * at most `maxEventsPerSecond` times the window length are kept, the rest are counted as
 * dropped (so are records the BPF side reports it could not reserve). Pure: the caller passes
 * the monotonic time.
 */
import type { JsonValue } from './btf-value.ts';
import { type EventRow, type EventsRecord, type Value } from './records.ts';

export interface EventLayout {
  /** Reported fields, in order. */
  fields: string[];
  /** Field holding the event's bpf_ktime_get_ns(), if any. */
  timestamp?: string;
  maxEventsPerSecond: number;
}

const DIGITS = /^\d+$/;

function cell(value: JsonValue | undefined): Value {
  if (value === undefined || value === null) return null;
  if (typeof value === 'object') return JSON.stringify(value);
  return value;
}

interface PendingEvent {
  timeNs: bigint;
  values: Value[];
}

export class EventCollector {
  private pending: PendingEvent[] = [];
  private dropped = 0;
  private windowStartNs: bigint;

  constructor(private readonly layout: EventLayout, startNs: bigint) {
    this.windowStartNs = startNs;
  }

  /** How many events this window may keep, for a window that started at `windowStartNs`. */
  private budget(nowNs: bigint): number {
    const seconds = Math.max(Number(nowNs - this.windowStartNs) / 1e9, 1);
    return Math.ceil(this.layout.maxEventsPerSecond * seconds);
  }

  /** Adds one decoded record received at `receivedNs`. */
  add(event: JsonValue, receivedNs: bigint): void {
    const layout = this.layout;
    // The budget is never below one second's worth: below that there is no need to work it out.
    if (this.pending.length >= layout.maxEventsPerSecond && this.pending.length >= this.budget(receivedNs)) {
      this.dropped++;
      return;
    }
    const fields = event && typeof event === 'object' && !Array.isArray(event) ? event : {};
    const stamp = layout.timestamp === undefined ? undefined : fields[layout.timestamp];
    const timeNs = typeof stamp === 'number' || (typeof stamp === 'string' && DIGITS.test(stamp)) ? BigInt(stamp) : receivedNs;
    const names = layout.fields;
    const values = new Array<Value>(names.length);
    for (let i = 0; i < names.length; i++) values[i] = cell(fields[names[i]!]);
    this.pending.push({ timeNs, values });
  }

  /** Counts losses reported elsewhere (ring buffer reservations the program could not make). */
  addDropped(count: number): void {
    this.dropped += count;
  }

  /** The window's record; the next window starts at `nowNs`. */
  take(nowNs: bigint): EventsRecord {
    const start = this.windowStartNs;
    const rows: EventRow[] = this.pending.map((e) => ({ offsetUs: Math.max(0, Math.round(Number(e.timeNs - start) / 1000)), values: e.values }));
    const record: EventsRecord = { kind: 'events', fields: this.layout.fields, rows, dropped: this.dropped };
    this.pending = [];
    this.dropped = 0;
    this.windowStartNs = nowNs;
    return record;
  }
}
