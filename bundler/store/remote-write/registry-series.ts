/**
 * A prom-client registry's current values as remote write time series: one sample per series,
 * all stamped with the same time, named by `__name__` (histograms give their `_bucket` series
 * with `le`, `_sum` and `_count`), labels sorted by name. Empty labels are left out, as
 * Prometheus treats an empty label as an absent one.
 */
import type { Registry } from 'prom-client';
import type { Label, TimeSeries } from './write-request.ts';

type RegistryJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

function sortedLabels(name: string, labels: Record<string, string | number | undefined>): Label[] {
  const present = Object.entries(labels).flatMap(([label, value]) => (value === undefined || value === '' ? [] : [{ name: label, value: String(value) }]));
  return [{ name: '__name__', value: name }, ...present].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function registrySeries(metrics: RegistryJson, timestampMs: number): TimeSeries[] {
  return metrics.flatMap(({ name, values }) =>
    values.map(({ labels, value, metricName }: { labels: Record<string, string | number | undefined>; value: number; metricName?: string }) => ({
      labels: sortedLabels(metricName ?? name, labels),
      samples: [{ value, timestamp: timestampMs }],
    })),
  );
}
