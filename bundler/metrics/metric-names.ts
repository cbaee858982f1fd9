/**
 * The naming rules of the exported metrics, in one place: `mote_<module>_<field>` plus the base
 * unit, counters ending in `_total`; any character Prometheus does not allow in a name becomes
 * `_`. A key field whose name the exposition reserves or the metrics already use (`device`,
 * `le`) is prefixed with `key_`. Names are worked out once per module and field, and devices
 * cannot make them without bound: past MAX_MODULES modules, or MAX_FIELDS_PER_MODULE value
 * fields in one module, a record is refused with UnexportableRecordError.
 */
import { MoteError } from '../../agent/src/errors.ts';
import { histogramUnit, splitFieldUnit, type BaseUnit } from './base-units.ts';

export type MetricKind = 'counter' | 'gauge' | 'histogram';

/** A record that cannot become metrics: its names clash with exported ones, or are too many. */
export class UnexportableRecordError extends MoteError {}

export const MAX_MODULES = 256;
export const MAX_FIELDS_PER_MODULE = 64;

const RESERVED_LABELS = new Set(['device', 'le', 'quantile', 'module']);

function nameSafe(text: string): string {
  return text.replace(/[^a-zA-Z0-9_]/g, '_');
}

/** `mote_syscount_latency_seconds_total` from module `syscount`, field `latency`, unit seconds. */
function moduleMetricName(module: string, field: string | null, unit: BaseUnit, kind: MetricKind): string {
  const parts = ['mote', module, field ?? '', unit.suffix, kind === 'counter' ? 'total' : ''].filter((part) => part !== '');
  return nameSafe(parts.join('_')).replace(/__+/g, '_');
}

/** A record's key field as a label name. */
export function keyLabelName(field: string): string {
  const safe = nameSafe(field).replace(/^(?=\d)|^__/, 'key_');
  return RESERVED_LABELS.has(safe) ? `key_${safe}` : safe;
}

export interface FieldMetric {
  name: string;
  /** The unit the record's amounts are converted from. */
  unit: BaseUnit;
}

export class MetricNaming {
  private readonly byModule = new Map<string, Map<string, FieldMetric>>();

  /**
   * The metric of `module`'s value `field` (null: the value is one number) for a record of
   * `kind`; a histogram's unit comes from the record's unit text, others' from the field name.
   */
  metric(kind: MetricKind, module: string, field: string | null, histogramUnitText = ''): FieldMetric {
    let fields = this.byModule.get(module);
    if (!fields) {
      if (this.byModule.size >= MAX_MODULES) throw new UnexportableRecordError(`module '${module}' is past the ${MAX_MODULES} modules the metrics name`);
      this.byModule.set(module, (fields = new Map()));
    }
    const id = `${kind}\0${field}\0${histogramUnitText}`;
    let metric = fields.get(id);
    if (!metric) {
      if (fields.size >= MAX_FIELDS_PER_MODULE) throw new UnexportableRecordError(`module '${module}' reports more than ${MAX_FIELDS_PER_MODULE} value fields`);
      const split = splitFieldUnit(field ?? '');
      const unit = kind === 'histogram' ? histogramUnit(histogramUnitText, field) : split.unit;
      metric = { name: moduleMetricName(module, split.name || null, unit, kind), unit };
      fields.set(id, metric);
    }
    return metric;
  }
}
