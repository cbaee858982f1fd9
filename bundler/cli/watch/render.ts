/**
 * How `mote watch` shows messages: a small table per telemetry record, one line per status,
 * or one JSON object per line (byte strings in hex, big integers as numbers or strings).
 * Counters of modules that name their key fields show one row per key with a rate per value
 * field, syscall numbers as names for the architecture the device's last status reported.
 */
import type { Envelope, Status } from '../../../agent/src/telemetry/messages.ts';
import type { SyscallArch } from '../../build/syscall-tables.ts';
import { builtinKeyLayout } from '../../records/key-layout.ts';
import { namedCounters } from '../../records/named-counters.ts';
import { syscallArchOf } from '../../syscalls/syscall-names.ts';
import { type CounterRecord, type Key, type TelemetryRecord, type Value } from '../../../agent/src/sample/decode/records.ts';

export function key(k: Key): string {
  return Array.isArray(k) ? k.join('/') : String(k);
}

export function cell(value: Value): string {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  return String(value);
}

/** Rows under a header row; columns in `leftAligned` (by default the first) are padded on the right. */
export function table(rows: string[][], leftAligned: (column: number) => boolean = (column) => column === 0): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0)));
  return rows.map((row) => '  ' + row.map((c, column) => (leftAligned(column) ? c.padEnd(widths[column]!) : c.padStart(widths[column]!))).join('  ').trimEnd());
}

/** Nanoseconds in the largest unit that keeps them at 1 or more: `850 ns`, `3.2 us`, `1.4 s`. */
export function durationText(ns: number): string {
  if (ns < 1e3) return `${ns.toFixed(0)} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toFixed(1)} us`;
  if (ns < 1e9) return `${(ns / 1e6).toFixed(1)} ms`;
  return `${(ns / 1e9).toFixed(2)} s`;
}

const NANOSECONDS = /_ns$/;

/**
 * A counter as named rows with a rate per second for each value field (`calls/s`; a sum of
 * nanoseconds, `latency_ns`, as time per second: `latency/s`), busiest first, at most `limit`
 * rows; null when the module names no key fields or a key does not fit them.
 */
export function namedCounterLines(module: string, record: CounterRecord, seconds: number, arch: SyscallArch | null, limit = Infinity): string[] | null {
  const layout = builtinKeyLayout(module);
  const named = layout && namedCounters(record.deltas, layout, arch);
  if (!named) return null;
  if (named.rows.length === 0) return ['  (no change)'];
  const rate = (field: string, amount: number) => (NANOSECONDS.test(field) ? durationText(amount / seconds) : (amount / seconds).toFixed(1));
  const header = [...named.fields, ...named.valueFields.map((field) => `${field.replace(NANOSECONDS, '')}/s`)];
  const body = named.rows.slice(0, limit).map((row) => [...row.cells, ...named.valueFields.map((field) => rate(field, row.amounts.get(field) ?? 0))]);
  const textColumns = named.fields.map((_, column) => body.some((row) => !/^-?\d/.test(row[column]!)));
  return table([header, ...body], (column) => textColumns[column] === true);
}

function histogramRows(buckets: number[], unit: string): string[][] {
  const peak = Math.max(1, ...buckets);
  return buckets.flatMap((count, i) => {
    if (count === 0) return [];
    const range = i === 0 ? '0' : `${2 ** (i - 1)}..${2 ** i - 1}`;
    return [[`${range} ${unit}`, String(count), '#'.repeat(Math.ceil((count / peak) * 30))]];
  });
}

export function recordLines(record: TelemetryRecord): string[] {
  switch (record.kind) {
    case 'counter':
      return record.deltas.length === 0 ? ['  (no change)'] : table([['key', 'delta'], ...record.deltas.map(([k, v]) => [key(k), String(v)])]);
    case 'gauge':
      return table([['key', 'value'], ...record.values.map(([k, v]) => [key(k), String(v)])]);
    case 'histogram':
      if ('buckets' in record) return table([[record.unit, 'count', ''], ...histogramRows(record.buckets, record.unit)]);
      return record.series.flatMap(([k, buckets]) => [`  ${key(k)}:`, ...table([[record.unit, 'count', ''], ...histogramRows(buckets, record.unit)])]);
    case 'top':
      return table([['key', 'value'], ...record.entries.map(([k, v]) => [key(k), String(v)]), ['(other)', String(record.other)]]);
    case 'events': {
      const lines = table([['+us', ...record.fields], ...record.rows.map((row) => [String(row.offsetUs), ...row.values.map(cell)])]);
      return record.dropped > 0 ? [...lines, `  (${record.dropped} events dropped)`] : lines;
    }
  }
}

/** A record as text; `machine` is what the device's last status reported (`uname -m`), if any. */
export function telemetryText(envelope: Envelope, machine: string | undefined): string {
  const header = `${envelope.deviceId} ${envelope.module} ${envelope.moduleVersion}  seq ${envelope.sequence}  ${new Date(envelope.timeMs).toISOString()}  window ${envelope.window.lengthMs} ms`;
  const { record } = envelope;
  const named = record.kind === 'counter' && namedCounterLines(envelope.module, record, Math.max(envelope.window.lengthMs, 1) / 1000, machine === undefined ? null : syscallArchOf(machine));
  return [header, ...(named || recordLines(record))].join('\n');
}

export function statusText(status: Status, retained: boolean): string {
  const parts = [`${status.deviceId} is ${status.state.toUpperCase()}${retained ? ' (retained)' : ''}`, `agent ${status.agentVersion}`, `${status.release} ${status.machine}`];
  if (status.counters) {
    const { sent, dropped, reconnects, depth, rejected, malformed } = status.counters;
    const inbound = rejected || malformed ? `, inbound rejected ${rejected ?? 0}, malformed ${malformed ?? 0}` : '';
    parts.push(`sent ${sent}, dropped ${dropped}, reconnects ${reconnects}, outbox ${depth}${inbound}`);
  } else if (status.state === 'offline') {
    parts.push('Last Will: the connection was lost');
  }
  for (const m of status.modules ?? []) parts.push(m.error === undefined ? `${m.name} ${m.version}${m.variant ? ` (${m.variant})` : ''}` : `${m.name} ${m.version} FAILED: ${m.error}`);
  return parts.join('; ');
}

/** JSON.stringify, with byte strings as hex and bigints as numbers when exact, else strings. */
export function jsonLine(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
    const original = this[key]; // a Buffer's toJSON has already run on `v`
    if (original instanceof Uint8Array) return Buffer.from(original).toString('hex');
    if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
    return v;
  });
}
