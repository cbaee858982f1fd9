/**
 * What one telemetry record becomes in the time-series database: samples stamped with the
 * record's own time (`timeMs` of the envelope), so writing a record twice writes the same samples
 * again, and a database that deduplicates identical samples (VictoriaMetrics with
 * `-dedup.minScrapeInterval=1ms`) keeps one. That makes the workers' at-least-once delivery
 * exactly-once in the database. Every record gives:
 * - `mote_record_sequence{device,module,boot}` = its sequence number: what was stored, and the
 *   gaps (lost records) per boot, come from this series alone;
 * - `mote_record_window_seconds{device,module}` = the length of its sampling window;
 * - its values, raw, by kind: `mote_record_value{device,module,kind,key}` per key (counter deltas,
 *   gauge and top values, top's rest under key `other`, events' `events` and `dropped` counts),
 *   and for histograms `mote_record_bucket{device,module,key,le,unit}` per non-empty bucket.
 * Keys are kept as their JSON text: readable names (syscalls by the device's arch) are given when
 * the dashboard reads them back, as the in-memory history names them (store/series-labels.ts).
 * Event rows' cells are not series and are not stored.
 */
import type { Envelope } from '../../../agent/src/telemetry/messages.ts';
import type { Key } from '../../../agent/src/sample/decode/records.ts';
import type { Label, TimeSeries } from '../remote-write/write-request.ts';

export const SEQUENCE_METRIC = 'mote_record_sequence';
export const WINDOW_METRIC = 'mote_record_window_seconds';
export const VALUE_METRIC = 'mote_record_value';
export const BUCKET_METRIC = 'mote_record_bucket';
/** The key of top-N's rest, beside JSON keys (which never equal it: JSON strings are quoted). */
export const REST_KEY = 'other';

/** The key label's text of a record key. */
export function keyLabel(key: Key): string {
  return JSON.stringify(key);
}

/** The upper bound of a log2 histogram's bucket `index`, as the dashboard shows it. */
export function bucketBound(index: number): number {
  return index === 0 ? 0 : 2 ** index;
}

/** One sample's series; empty labels are left out, as the database treats them as absent. */
function series(name: string, labels: Record<string, string>, value: number, timestamp: number): TimeSeries {
  const sorted: Label[] = [{ name: '__name__', value: name }, ...Object.entries(labels).flatMap(([label, text]) => (text === '' ? [] : [{ name: label, value: text }]))];
  sorted.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { labels: sorted, samples: [{ value, timestamp }] };
}

/** The samples of one record of `device`. */
export function recordSeries(envelope: Envelope): TimeSeries[] {
  const { deviceId: device, module, record, timeMs } = envelope;
  const boot = Buffer.from(envelope.bootId).toString('hex');
  const out: TimeSeries[] = [
    series(SEQUENCE_METRIC, { device, module, boot }, envelope.sequence, timeMs),
    series(WINDOW_METRIC, { device, module }, envelope.window.lengthMs / 1000, timeMs),
  ];
  const value = (key: string, amount: number) => out.push(series(VALUE_METRIC, { device, module, kind: record.kind, key }, amount, timeMs));
  switch (record.kind) {
    case 'counter':
      for (const [key, delta] of record.deltas) value(keyLabel(key), delta);
      break;
    case 'gauge':
      for (const [key, amount] of record.values) value(keyLabel(key), amount);
      break;
    case 'top':
      for (const [key, amount] of record.entries) value(keyLabel(key), amount);
      value(REST_KEY, record.other);
      break;
    case 'histogram': {
      const perKey: Array<[string, number[]]> = 'series' in record ? record.series.map(([key, buckets]) => [keyLabel(key), buckets]) : [['', record.buckets]];
      for (const [key, buckets] of perKey) {
        buckets.forEach((count, index) => {
          if (count > 0) out.push(series(BUCKET_METRIC, { device, module, key, le: String(bucketBound(index)), unit: record.unit }, count, timeMs));
        });
      }
      break;
    }
    case 'events':
      value('"events"', record.rows.length);
      value('"dropped"', record.dropped);
      break;
  }
  return out;
}
