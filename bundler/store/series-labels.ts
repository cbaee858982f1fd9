/**
 * Readable series labels for a record's keys: a built-in module's key layout names the parts,
 * syscall numbers become names for the device's arch, and the value field the sampler appends to
 * multi-field keys (`calls`, `latency_ns`) ends the label. Keys that fit no layout are shown as
 * they are, parts joined by spaces.
 */
import { builtinKeyLayout } from '../records/key-layout.ts';
import { namedCounters } from '../records/named-counters.ts';
import { syscallArchOf } from '../syscalls/syscall-names.ts';
import type { Key } from '../../agent/src/sample/decode/records.ts';

export function keyText(key: Key): string {
  return Array.isArray(key) ? key.join(' ') : String(key);
}

/** `[label, amount]` per key of a counter, gauge or top record. */
export function labelledAmounts(module: string, machine: string, amounts: Array<[Key, number]>): Array<[string, number]> {
  const layout = builtinKeyLayout(module);
  const named = layout && namedCounters(amounts, layout, syscallArchOf(machine));
  if (!named) return amounts.map(([key, amount]) => [keyText(key), amount]);
  const single = named.valueFields.length === 1;
  return named.rows.flatMap((row) => [...row.amounts].map(([field, amount]): [string, number] => [single ? row.cells.join(' ') : `${row.cells.join(' ')} ${field}`, amount]));
}
