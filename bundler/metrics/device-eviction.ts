/**
 * The bound on devices in the metrics: every event refreshes its device, and past `maxDevices`
 * the one heard from least recently is forgotten, its series removed from every metric of the
 * registry, so a stream of new device ids cannot grow memory without bound. A forgotten device
 * that speaks again starts afresh (its counters restart, which Prometheus handles as a reset).
 */
import type { Registry } from 'prom-client';

export class DeviceEviction {
  private readonly recent = new Map<string, true>();

  constructor(
    private readonly maxDevices: number,
    private readonly forget: (device: string) => void,
  ) {}

  /** Marks `device` as just heard from; forgets the least recent one past the bound. */
  touch(device: string): void {
    this.recent.delete(device);
    this.recent.set(device, true);
    if (this.recent.size <= this.maxDevices) return;
    const oldest = this.recent.keys().next().value!;
    this.recent.delete(oldest);
    this.forget(oldest);
  }
}

/** Removes every series labelled `device` from every metric of `registry`. */
export async function removeDeviceSeries(registry: Registry, device: string): Promise<void> {
  for (const { name } of registry.getMetricsAsArray()) {
    const metric = registry.getSingleMetric(name);
    if (!metric) continue;
    const { values } = await metric.get();
    const seen = new Set<string>();
    for (const { labels } of values) {
      if (labels.device !== device) continue;
      const { le: _bucket, ...series } = labels as Record<string, string | number>;
      const id = JSON.stringify(series);
      if (seen.has(id)) continue;
      seen.add(id);
      metric.remove(series);
    }
  }
}
