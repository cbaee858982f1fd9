/**
 * The label cardinality cap, per device and module: the first `cap` key label sets a module
 * reports on a device get series of their own; any later one is folded into one series whose
 * key labels all read `other`, and counted once in `mote_series_capped_total{device,module}`.
 * Folded label sets are remembered to count each once, up to ten times the cap (at least 1,000);
 * past that every fold is counted, so memory stays bounded and the count can only overstate.
 */
export const OTHER = 'other';

const FOLDED_MEMORY_FACTOR = 10;
const FOLDED_MEMORY_MINIMUM = 1000;

class DeviceModuleSeries {
  readonly admitted = new Set<string>();
  readonly folded = new Set<string>();
}

export class SeriesCap {
  private readonly series = new Map<string, DeviceModuleSeries>();

  /** `onFold(device, module)` is called once for each label set folded into `other`. */
  private readonly foldedMemory: number;

  constructor(
    private readonly cap: number,
    private readonly onFold: (device: string, module: string) => void,
  ) {
    this.foldedMemory = Math.max(cap * FOLDED_MEMORY_FACTOR, FOLDED_MEMORY_MINIMUM);
  }

  /** The key label values to export: `values` itself, or all `other` past the cap. */
  admit(device: string, module: string, values: string[]): string[] {
    if (values.length === 0) return values;
    const id = `${device}\0${module}`;
    let seen = this.series.get(id);
    if (!seen) this.series.set(id, (seen = new DeviceModuleSeries()));
    const key = values.join('\0');
    if (seen.admitted.has(key)) return values;
    if (seen.admitted.size < this.cap) {
      seen.admitted.add(key);
      return values;
    }
    if (!seen.folded.has(key)) {
      if (seen.folded.size < this.foldedMemory) seen.folded.add(key);
      this.onFold(device, module);
    }
    return values.map(() => OTHER);
  }

  /** Drops what is remembered of a device's label sets. */
  forget(device: string): void {
    for (const id of this.series.keys()) if (id.startsWith(`${device}\0`)) this.series.delete(id);
  }
}
