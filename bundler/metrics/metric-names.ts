/**
 * The naming rules of the exported metrics, in one place: `mote_<module>_<field>` plus the base
 * unit, counters ending in `_total`; any character Prometheus does not allow in a name becomes
 * `_`. A key field whose name the exposition reserves or the metrics already use (`device`,
 * `le`) is prefixed with `key_`.
 */
import type { BaseUnit } from './base-units.ts';

export type MetricKind = 'counter' | 'gauge' | 'histogram';

const RESERVED_LABELS = new Set(['device', 'le', 'quantile', 'module']);

function nameSafe(text: string): string {
  return text.replace(/[^a-zA-Z0-9_]/g, '_');
}

/** `mote_syscount_latency_seconds_total` from module `syscount`, field `latency`, unit seconds. */
export function moduleMetricName(module: string, field: string | null, unit: BaseUnit, kind: MetricKind): string {
  const parts = ['mote', module, field ?? '', unit.suffix, kind === 'counter' ? 'total' : ''].filter((part) => part !== '');
  return nameSafe(parts.join('_')).replace(/__+/g, '_');
}

/** A record's key field as a label name. */
export function keyLabelName(field: string): string {
  const safe = nameSafe(field).replace(/^(?=\d)|^__/, 'key_');
  return RESERVED_LABELS.has(safe) ? `key_${safe}` : safe;
}
