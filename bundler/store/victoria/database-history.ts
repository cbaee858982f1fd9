/**
 * The dashboard's history read back from the time-series database (`mote serve --database`), in
 * the shape the in-memory history gives (store/module-history.ts), so the dashboard cannot tell
 * which one it reads: the last `historyMinutes` in STEPS steps; counters, histogram counts and
 * events as rates per second of sampling window; gauges and tops as their latest value per step;
 * histograms' distribution over the last minute. Series are named as the in-memory history names
 * them, syscalls by the device's arch. Event rows are not stored in the database: an events
 * module shows its rates only.
 */
import type { Key } from '../../../agent/src/sample/decode/records.ts';
import { STEPS, type HistoryKind, type ModuleHistoryView, type SeriesView } from '../module-history.ts';
import { keyText, labelledAmounts } from '../series-labels.ts';
import { BUCKET_METRIC, REST_KEY, VALUE_METRIC, WINDOW_METRIC } from './record-series.ts';
import type { VictoriaClient } from './victoria-client.ts';

const KINDS: HistoryKind[] = ['counter', 'gauge', 'top', 'histogram', 'events'];
const DISTRIBUTION_WINDOW = '1m';

/** A PromQL string literal. */
export function promString(text: string): string {
  return JSON.stringify(text);
}

export interface DatabaseHistoryOptions {
  historyMinutes: number;
  /** Series per device and module; the rest are left out, the busiest kept. */
  seriesCap: number;
  /** The machine (`uname -m`) of a device, for syscall names. */
  archOf(device: string): string;
}

export class DatabaseHistory {
  private readonly stepMs: number;

  constructor(
    private readonly database: VictoriaClient,
    private readonly options: DatabaseHistoryOptions,
  ) {
    this.stepMs = Math.max(1000, Math.ceil((options.historyMinutes * 60_000) / STEPS));
  }

  async view(device: string, module: string, nowMs = Date.now()): Promise<ModuleHistoryView | undefined> {
    const select = `device=${promString(device)},module=${promString(module)}`;
    const range = `${this.options.historyMinutes}m`;
    const kinds = await this.database.query(`count by (kind) (last_over_time(${VALUE_METRIC}{${select}}[${range}]))`, nowMs);
    const hasBuckets = (await this.database.query(`count(last_over_time(${BUCKET_METRIC}{${select}}[${range}]))`, nowMs)).length > 0;
    const kind = hasBuckets ? 'histogram' : KINDS.find((known) => kinds.some((sample) => sample.metric.kind === known));
    if (!kind) return undefined;
    const startMs = nowMs - this.options.historyMinutes * 60_000;
    const step = `${this.stepMs / 1000}s`;
    const perWindow = `scalar(sum(sum_over_time(${WINDOW_METRIC}{${select}}[${step}])))`;
    const view: ModuleHistoryView = { module, kind, series: [] };
    if (kind === 'histogram') {
      const counts = await this.database.queryRange(`sum by (key) (sum_over_time(${BUCKET_METRIC}{${select}}[${step}])) / ${perWindow}`, startMs, nowMs, this.stepMs);
      const total = await this.database.queryRange(`sum(sum_over_time(${BUCKET_METRIC}{${select}}[${step}])) / ${perWindow}`, startMs, nowMs, this.stepMs);
      const keyed = counts.filter((series) => series.metric.key !== undefined);
      view.series = [{ label: '_count', points: total[0]?.points ?? [] }, ...keyed.map((series) => ({ label: `${keyText(JSON.parse(series.metric.key!) as Key)} _count`, points: series.points }))];
      const buckets = await this.database.query(`sum by (le, unit) (sum_over_time(${BUCKET_METRIC}{${select}}[${DISTRIBUTION_WINDOW}]))`, nowMs);
      const byBound = new Map(buckets.map((sample) => [Number(sample.metric.le), sample.value]));
      const highest = Math.max(0, ...[...byBound.keys()].map((bound) => (bound === 0 ? 0 : Math.log2(bound))));
      view.buckets = Array.from({ length: highest + 1 }, (_, i) => ({ le: i === 0 ? 0 : 2 ** i, count: byBound.get(i === 0 ? 0 : 2 ** i) ?? 0 }));
      const unit = buckets[0]?.metric.unit;
      if (unit !== undefined) view.unit = unit;
    } else {
      const asRate = kind === 'counter' || kind === 'events';
      const query = asRate ? `sum by (key) (sum_over_time(${VALUE_METRIC}{${select}}[${step}])) / ${perWindow}` : `last_over_time(${VALUE_METRIC}{${select}}[${step}])`;
      view.series = this.named(device, module, await this.database.queryRange(query, startMs, nowMs, this.stepMs));
      if (kind === 'events') Object.assign(view, { fields: [], rows: [] });
    }
    view.series = this.capped(view.series);
    return view;
  }

  /** The series labelled as the in-memory history labels them. */
  private named(device: string, module: string, series: Array<{ metric: Record<string, string>; points: Array<[number, number]> }>): SeriesView[] {
    const keyed = series.filter((one) => one.metric.key !== undefined && one.metric.key !== REST_KEY);
    const keys = keyed.map((one) => JSON.parse(one.metric.key!) as Key);
    // labelledAmounts keeps each amount with its key's label: pass each key's index as its amount.
    const labels = new Map<number, string>();
    for (const [label, index] of labelledAmounts(module, this.options.archOf(device), keys.map((key, index): [Key, number] => [key, index]))) labels.set(index, label);
    const named = keyed.map((one, index) => ({ label: labels.get(index) ?? keyText(keys[index]!), points: one.points }));
    const rest = series.find((one) => one.metric.key === REST_KEY);
    return rest ? [...named, { label: REST_KEY, points: rest.points }] : named;
  }

  private capped(series: SeriesView[]): SeriesView[] {
    if (series.length <= this.options.seriesCap) return series;
    const total = (one: SeriesView) => one.points.reduce((sum, [, value]) => sum + Math.abs(value), 0);
    return [...series].sort((a, b) => total(b) - total(a)).slice(0, this.options.seriesCap);
  }
}
