/**
 * Counter deltas as named rows: a key's parts become cells under the layout's field names
 * (syscall numbers as names for the device's architecture), and the value field the sampler
 * appends to keys of multi-field values (`calls`, `latency_ns`) becomes a column, so one row
 * holds every amount of one key. Pure, given the syscall tables.
 */
import type { SyscallArch } from '../build/syscall-tables.ts';
import { syscallName } from '../syscalls/syscall-names.ts';
import type { KeyLayout } from './key-layout.ts';
import type { Key } from '../../agent/src/sample/decode/records.ts';

export interface NamedRow {
  /** One readable cell per layout field. */
  cells: string[];
  /** Amount per value field (`count` when the value is a single number). */
  amounts: Map<string, number>;
}

export interface NamedCounters {
  fields: string[];
  /** Value fields in the order first seen. */
  valueFields: string[];
  /** Largest first by the first value field. */
  rows: NamedRow[];
}

const SINGLE_VALUE = 'count';

/** One part of a key as people read it: a syscall number as its name for `arch`, else as it is. */
export function keyPartText(part: string | number, field: string, layout: KeyLayout, arch: SyscallArch | null): string {
  return layout.hints[field] === 'syscall' && typeof part === 'number' ? syscallName(arch, part) : String(part);
}

/** Named rows, or null when a key does not fit the layout (then show keys as they are). */
export function namedCounters(deltas: Array<[Key, number]>, layout: KeyLayout, arch: SyscallArch | null): NamedCounters | null {
  const width = layout.fields.length;
  const rows = new Map<string, NamedRow>();
  const valueFields: string[] = [];
  for (const [key, amount] of deltas) {
    const parts = Array.isArray(key) ? key : [key];
    if (parts.length !== width && parts.length !== width + 1) return null;
    const valueField = parts.length === width ? SINGLE_VALUE : String(parts[width]);
    const keyParts = parts.slice(0, width);
    const id = JSON.stringify(keyParts);
    let row = rows.get(id);
    if (!row) rows.set(id, (row = { cells: keyParts.map((part, i) => keyPartText(part, layout.fields[i]!, layout, arch)), amounts: new Map() }));
    row.amounts.set(valueField, (row.amounts.get(valueField) ?? 0) + amount);
    if (!valueFields.includes(valueField)) valueFields.push(valueField);
  }
  const first = valueFields[0];
  const sorted = [...rows.values()].sort((a, b) => (b.amounts.get(first!) ?? 0) - (a.amounts.get(first!) ?? 0));
  return { fields: layout.fields, valueFields, rows: sorted };
}
