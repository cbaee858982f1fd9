/**
 * A prom-client histogram fed with whole log2 histograms instead of single observations: a
 * record's `buckets[i]` counts values v with 2^(i-1) <= v < 2^i (`buckets[0]` the zeros), so
 * bucket i's inclusive upper bound is 2^i - 1 in the record's unit, and `le` is that bound in
 * the base unit. Buckets add up per label set and export cumulatively, `+Inf` equal to `_count`,
 * every series with the same bounds (as many as the longest record so far). Records carry
 * counts only, so `_sum` is estimated from each bucket's midpoint. prom-client still writes the
 * exposition; only the values come from here (`observe` one count at a time would cost a call
 * per counted event).
 */
import { Histogram, type LabelValues } from 'prom-client';
import { inBaseUnit, type BaseUnit } from './base-units.ts';

interface Series {
  labels: LabelValues<string>;
  buckets: number[];
}

/** A value as prom-client's own histogram hands it to the registry: the series' labels shared. */
type ExportedValue = { value: number; labels: { le?: string | number }; sharedLabels: LabelValues<string>; metricName: string };

/** The inclusive upper bound of log2 bucket `i` in the record's unit. */
function upperBound(i: number): number {
  return 2 ** i - 1;
}

/** One id per label set, whatever the order of its keys. */
function seriesId(labels: LabelValues<string>): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function midpoint(i: number): number {
  return i === 0 ? 0 : (2 ** (i - 1) + upperBound(i)) / 2;
}

export class Log2Histogram extends Histogram<string> {
  private readonly series = new Map<string, Series>();
  private bucketCount = 0;

  constructor(
    private readonly metricName: string,
    private readonly metricHelp: string,
    labelNames: string[],
    private readonly unit: BaseUnit,
  ) {
    super({ name: metricName, help: metricHelp, labelNames, buckets: [], registers: [] });
  }

  /** Adds one record's log2 buckets to the series of `labels`. */
  addBuckets(labels: LabelValues<string>, buckets: number[]): void {
    const id = seriesId(labels);
    let series = this.series.get(id);
    if (!series) this.series.set(id, (series = { labels, buckets: [] }));
    buckets.forEach((count, i) => (series.buckets[i] = (series.buckets[i] ?? 0) + count));
    this.bucketCount = Math.max(this.bucketCount, buckets.length);
  }

  private exported(): ExportedValue[] {
    const name = this.metricName;
    const values: ExportedValue[] = [];
    for (const { labels, buckets } of this.series.values()) {
      let count = 0;
      let sum = 0;
      for (let i = 0; i < this.bucketCount; i++) {
        count += buckets[i] ?? 0;
        sum += (buckets[i] ?? 0) * midpoint(i);
        values.push({ value: count, labels: { le: inBaseUnit(upperBound(i), this.unit) }, sharedLabels: labels, metricName: `${name}_bucket` });
      }
      values.push({ value: count, labels: { le: '+Inf' }, sharedLabels: labels, metricName: `${name}_bucket` });
      values.push({ value: inBaseUnit(sum, this.unit), labels: {}, sharedLabels: labels, metricName: `${name}_sum` });
      values.push({ value: count, labels: {}, sharedLabels: labels, metricName: `${name}_count` });
    }
    return values;
  }

  /** Removes the series of one label set (given as an object, as the bucket values carry it without `le`). */
  override remove(...values: Array<LabelValues<string> | string | number>): void {
    const [labels] = values;
    if (typeof labels === 'object') this.series.delete(seriesId(labels));
  }

  /** What the registry formats, and what the base class's `get` splays into plain labels. */
  async getForPromString() {
    return { name: this.metricName, help: this.metricHelp, type: 'histogram', values: this.exported(), aggregator: 'sum' };
  }
}
