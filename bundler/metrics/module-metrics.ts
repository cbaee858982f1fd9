/**
 * Every module's records as metrics, named from the module and the record's value fields
 * (metric-names.ts), labelled with the device and the record's key fields (record-keys.ts), each
 * device's and module's key label sets capped (series-cap.ts):
 * - counter deltas add up into `mote_<module>_<field>_total`, in base units;
 * - gauges and top-N entries are gauges holding the device's latest record (series the record
 *   no longer names are removed), top-N's rest under key labels `other`;
 * - log2 histograms add up into `_bucket{le}`, `_sum` and `_count` in base units;
 * - events count into `mote_<module>_events_total` and `mote_<module>_events_dropped_total`.
 */
import { Counter, type Gauge, type LabelValues, type Registry } from 'prom-client';
import type { Key, TelemetryRecord } from '../../agent/src/sample/decode/records.ts';
import type { Envelope } from '../../agent/src/telemetry/messages.ts';
import type { SyscallArch } from '../build/syscall-tables.ts';
import { inBaseUnit, type BaseUnit } from './base-units.ts';
import { MetricFamilies } from './metric-families.ts';
import { MetricNaming } from './metric-names.ts';
import { keyLabels } from './record-keys.ts';
import { OTHER, SeriesCap } from './series-cap.ts';

interface GaugeSeries {
  gauge: Gauge<string>;
  labels: LabelValues<string>;
}

function helpText(module: string, what: string): string {
  return `${module}: ${what}, from its telemetry records.`;
}

export class ModuleMetrics {
  private readonly families: MetricFamilies;
  private readonly naming = new MetricNaming();
  private readonly cap: SeriesCap;
  /** The gauge series of each device's and module's last gauge or top-N record. */
  private readonly lastGaugeSeries = new Map<string, Map<string, GaugeSeries>>();

  constructor(registry: Registry, seriesCap: number) {
    this.families = new MetricFamilies(registry);
    const capped = new Counter({
      name: 'mote_series_capped_total',
      help: 'Key label sets folded into the `other` series because the device and module reached the series cap.',
      labelNames: ['device', 'module'],
      registers: [registry],
    });
    this.cap = new SeriesCap(seriesCap, (device, module) => capped.inc({ device, module }));
  }

  /** Drops the series-cap and gauge state kept for a device (its series go with removeDeviceSeries). */
  forget(device: string): void {
    this.cap.forget(device);
    for (const id of this.lastGaugeSeries.keys()) if (id.startsWith(`${device}\0`)) this.lastGaugeSeries.delete(id);
  }

  /** Adds one record of `device`; `arch` names its syscalls. */
  accept(device: string, arch: SyscallArch | null, envelope: Envelope): void {
    const { module, record } = envelope;
    switch (record.kind) {
      case 'counter':
        for (const [key, delta] of record.deltas) this.addCounter(device, arch, module, key, delta);
        return;
      case 'gauge':
        return this.setGauges(device, module, this.gaugeSeries(device, arch, module, record.values));
      case 'top':
        return this.setGauges(device, module, this.gaugeSeries(device, arch, module, record.entries, record.other));
      case 'histogram':
        return this.addHistogram(device, arch, module, record);
      case 'events': {
        this.families.counter(this.naming.metric('counter', module, 'events').name, helpText(module, 'events reported'), ['device']).inc({ device }, record.rows.length);
        this.families.counter(this.naming.metric('counter', module, 'events_dropped').name, helpText(module, 'events the device could not report'), ['device']).inc({ device }, record.dropped);
      }
    }
  }

  private labelsOf(device: string, module: string, names: string[], values: string[]): LabelValues<string> {
    const admitted = this.cap.admit(device, module, values);
    return Object.fromEntries([['device', device], ...names.map((name, i) => [name, admitted[i]!])]);
  }

  private addCounter(device: string, arch: SyscallArch | null, module: string, key: Key, delta: number): void {
    if (!(delta >= 0)) return;
    const keyed = keyLabels(module, key, arch);
    const { name, unit } = this.naming.metric('counter', module, keyed.field);
    const counter = this.families.counter(name, helpText(module, `${keyed.field ?? 'count'} per key`), ['device', ...keyed.names]);
    counter.inc(this.labelsOf(device, module, keyed.names, keyed.values), inBaseUnit(delta, unit));
  }

  /** The gauge series of one record, amounts of keys folded into `other` added together; top-N's `rest` under `other` too. */
  private gaugeSeries(device: string, arch: SyscallArch | null, module: string, values: Array<[Key, number]>, rest?: number): Map<string, GaugeSeries & { value: number }> {
    const series = new Map<string, GaugeSeries & { value: number }>();
    const add = (name: string, gauge: Gauge<string>, labels: LabelValues<string>, value: number) => {
      const id = `${name}${JSON.stringify(labels)}`;
      const known = series.get(id);
      if (known) known.value += value;
      else series.set(id, { gauge, labels, value });
    };
    let restOf: { name: string; gauge: Gauge<string>; names: string[]; unit: BaseUnit } | undefined;
    for (const [key, amount] of values) {
      const keyed = keyLabels(module, key, arch);
      const { name, unit } = this.naming.metric('gauge', module, keyed.field);
      const gauge = this.families.gauge(name, helpText(module, `${keyed.field ?? 'value'} per key`), ['device', ...keyed.names]);
      add(name, gauge, this.labelsOf(device, module, keyed.names, keyed.values), inBaseUnit(amount, unit));
      restOf ??= { name, gauge, names: keyed.names, unit };
    }
    if (restOf && rest !== undefined) add(restOf.name, restOf.gauge, { device, ...Object.fromEntries(restOf.names.map((n) => [n, OTHER])) }, inBaseUnit(rest, restOf.unit));
    return series;
  }

  private setGauges(device: string, module: string, series: Map<string, GaugeSeries & { value: number }>): void {
    const id = `${device}\0${module}`;
    for (const [seriesId, gone] of this.lastGaugeSeries.get(id) ?? []) if (!series.has(seriesId)) gone.gauge.remove(gone.labels);
    for (const { gauge, labels, value } of series.values()) gauge.set(labels, value);
    this.lastGaugeSeries.set(id, series);
  }

  private addHistogram(device: string, arch: SyscallArch | null, module: string, record: Extract<TelemetryRecord, { kind: 'histogram' }>): void {
    if ('buckets' in record) {
      const { name, unit } = this.naming.metric('histogram', module, null, record.unit);
      this.families.histogram(name, helpText(module, `distribution in ${record.unit}`), ['device'], unit).addBuckets({ device }, record.buckets);
      return;
    }
    for (const [key, buckets] of record.series) {
      const keyed = keyLabels(module, key, arch);
      const { name, unit } = this.naming.metric('histogram', module, keyed.field, record.unit);
      const histogram = this.families.histogram(name, helpText(module, `${keyed.field ?? 'distribution'} per key`), ['device', ...keyed.names], unit);
      histogram.addBuckets(this.labelsOf(device, module, keyed.names, keyed.values), buckets);
    }
  }
}
