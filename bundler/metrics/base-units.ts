/**
 * Prometheus base units for what the records measure: a histogram's `unit` (`usecs`, or one
 * unit per field as in `size_bytes: bytes, latency_us: usecs`) and a value field's suffix
 * (`latency_ns`) say the unit; metrics carry seconds and bytes instead, named with the base
 * unit (`..._seconds`, `..._bytes`). A conversion divides or multiplies by an exact power, so
 * bucket bounds such as 3 us print as 0.000003 and not 2.9999999999999997e-6.
 */

export interface BaseUnit {
  /** The base unit's name as a metric name suffix, or '' when the unit is not known. */
  suffix: string;
  /** From the record's unit to the base unit: `amount * multiply / divide`. */
  multiply: number;
  divide: number;
}

const UNITS: Record<string, BaseUnit> = {
  nsecs: { suffix: 'seconds', multiply: 1, divide: 1e9 },
  ns: { suffix: 'seconds', multiply: 1, divide: 1e9 },
  usecs: { suffix: 'seconds', multiply: 1, divide: 1e6 },
  us: { suffix: 'seconds', multiply: 1, divide: 1e6 },
  msecs: { suffix: 'seconds', multiply: 1, divide: 1e3 },
  ms: { suffix: 'seconds', multiply: 1, divide: 1e3 },
  secs: { suffix: 'seconds', multiply: 1, divide: 1 },
  seconds: { suffix: 'seconds', multiply: 1, divide: 1 },
  bytes: { suffix: 'bytes', multiply: 1, divide: 1 },
  kbytes: { suffix: 'bytes', multiply: 1024, divide: 1 },
  kb: { suffix: 'bytes', multiply: 1024, divide: 1 },
};

/** Amounts without a known unit: exported as they are. */
const UNKNOWN: BaseUnit = { suffix: '', multiply: 1, divide: 1 };

/** An amount in the base unit. */
export function inBaseUnit(amount: number, unit: BaseUnit): number {
  return (amount * unit.multiply) / unit.divide;
}

/** A field named with its unit (`latency_ns`, `size_kb`): the name without it, and the unit. */
export function splitFieldUnit(field: string): { name: string; unit: BaseUnit } {
  const match = /^(.*?)_?(nsecs|ns|usecs|us|msecs|ms|secs|seconds|bytes|kbytes|kb)$/.exec(field);
  if (!match) return { name: field, unit: UNKNOWN };
  return { name: match[1]!, unit: UNITS[match[2]!]! };
}

/**
 * The unit of a histogram field from the record's unit text: `usecs` holds for every field,
 * `size_bytes: bytes, latency_us: usecs` names one per field; a field not named there falls
 * back to its own suffix.
 */
export function histogramUnit(unitText: string, field: string | null): BaseUnit {
  const perField = new Map(unitText.split(',').map((part) => part.split(':').map((s) => s.trim())).filter((p) => p.length === 2).map(([f, u]) => [f!, u!]));
  const named = perField.size > 0 ? (field === null ? undefined : perField.get(field)) : unitText.trim();
  return (named && UNITS[named.toLowerCase()]) || (field === null ? UNKNOWN : splitFieldUnit(field).unit);
}
