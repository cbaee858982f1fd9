/**
 * The metric families of one registry, created on first use: a name always keeps its first
 * type and label names, and a record that would give it others is refused with
 * UnexportableRecordError (a module version that changed its record kind, say) rather than
 * breaking the exposition.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { BaseUnit } from './base-units.ts';
import { Log2Histogram } from './log2-histogram.ts';
import { UnexportableRecordError } from './metric-names.ts';

type Family = Counter<string> | Gauge<string> | Log2Histogram;

export class MetricFamilies {
  private readonly families = new Map<string, { family: Family; labelNames: string }>();

  constructor(private readonly registry: Registry) {}

  private family<F extends Family>(name: string, labelNames: string[], type: new (...args: never[]) => F, create: () => F): F {
    const known = this.families.get(name);
    if (known) {
      if (!(known.family instanceof type) || known.labelNames !== labelNames.join(',')) {
        throw new UnexportableRecordError(`metric '${name}' is already exported with labels {${known.labelNames}}; a record wants {${labelNames.join(',')}} as a ${type.name}`);
      }
      return known.family;
    }
    const family = create();
    this.registry.registerMetric(family);
    this.families.set(name, { family, labelNames: labelNames.join(',') });
    return family;
  }

  counter(name: string, help: string, labelNames: string[]): Counter<string> {
    return this.family(name, labelNames, Counter<string>, () => new Counter({ name, help, labelNames, registers: [] }));
  }

  gauge(name: string, help: string, labelNames: string[]): Gauge<string> {
    return this.family(name, labelNames, Gauge<string>, () => new Gauge({ name, help, labelNames, registers: [] }));
  }

  histogram(name: string, help: string, labelNames: string[], unit: BaseUnit): Log2Histogram {
    return this.family(name, labelNames, Log2Histogram, () => new Log2Histogram(name, help, labelNames, unit));
  }
}
