/**
 * How `mote watch` shows messages: a small table per telemetry record, one line per status,
 * or one JSON object per line (byte strings in hex, big integers as numbers or strings).
 */
import type { Envelope, Key, Status, TelemetryRecord, Value } from '../../../agent/src/telemetry/records.ts';

export function key(k: Key): string {
  return Array.isArray(k) ? k.join('/') : String(k);
}

export function cell(value: Value): string {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  return String(value);
}

export function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0)));
  return rows.map((row) => '  ' + row.map((c, column) => (column === 0 ? c.padEnd(widths[column]!) : c.padStart(widths[column]!))).join('  '));
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

export function telemetryText(envelope: Envelope): string {
  const header = `${envelope.deviceId} ${envelope.module} ${envelope.moduleVersion}  seq ${envelope.sequence}  ${new Date(envelope.timeMs).toISOString()}  window ${envelope.window.lengthMs} ms`;
  return [header, ...recordLines(envelope.record)].join('\n');
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
