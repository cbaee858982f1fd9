/**
 * Turns one reading of a map (entries already decoded through BTF) into the interval's record:
 * counter deltas, gauge values, the top N, or log2 histograms. With `delta` reads the state
 * keeps the last reading and reports differences; with `reset` reads the map was cleared as it
 * was read, so each reading already is the interval's amount. Pure.
 */
import type { JsonValue } from './btf-value.ts';
import type { ReadMode } from './manifest.ts';
import { type CounterRecord, type GaugeRecord, type HistogramRecord, type Key, type TopRecord } from './records.ts';

export interface DecodedEntry {
  key: JsonValue;
  value: JsonValue;
}

/** A value as a cell's number: numbers, booleans as 1 or 0, integer texts; null for anything else. */
export function asNumber(value: JsonValue): number | null {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value);
  return null;
}

function flattenInto(value: JsonValue, parts: Array<string | number>): void {
  if (value === null) return;
  if (typeof value === 'number' || typeof value === 'string') parts.push(value);
  else if (typeof value === 'boolean') parts.push(value ? 1 : 0);
  else if (Array.isArray(value)) for (const item of value) flattenInto(item, parts);
  else for (const name in value) flattenInto(value[name], parts);
}

/** A key as records carry it: numbers and strings as they are, structs and arrays flattened. */
export function recordKey(key: JsonValue): Key {
  if (typeof key === 'number' || typeof key === 'string') return key;
  const parts: Array<string | number> = [];
  flattenInto(key, parts);
  return parts.length === 1 ? parts[0] : parts;
}

/**
 * The numbers an entry reports: the value itself when it is a number, else its numeric fields
 * (`only` narrows them). Several fields each get their own key, suffixed with the field name.
 */
export function numericCells(entry: DecodedEntry, only?: string[]): Array<[Key, number]> {
  const key = recordKey(entry.key);
  const direct = asNumber(entry.value);
  if (direct !== null) return [[key, direct]];
  const value = entry.value;
  if (!value || typeof value !== 'object' || Array.isArray(value)) return [];
  const names: string[] = [];
  const numbers: number[] = [];
  for (const name in value) {
    if (only && !only.includes(name)) continue;
    const number = asNumber(value[name]);
    if (number === null) continue;
    names.push(name);
    numbers.push(number);
  }
  if (names.length === 1) return [[key, numbers[0]]];
  const prefix = Array.isArray(key) ? key : [key];
  return names.map((name, i) => [[...prefix, name], numbers[i]]);
}

const keyText = (key: Key) => JSON.stringify(key);

/**
 * Per-key amounts over the window, from delta or reset readings. Texts and numbers are keys of a
 * Map as they are (a Map tells 1 from '1'); composite keys go by their JSON text, in a Map of their own.
 */
export class Accumulator {
  private last = new Map<string | number, number>();
  private lastComposite = new Map<string, number>();
  constructor(private readonly read: ReadMode) {}

  amounts(cells: Array<[Key, number]>): Array<[Key, number]> {
    if (this.read === 'reset') return cells;
    const { last, lastComposite } = this;
    const next = new Map<string | number, number>();
    const nextComposite = new Map<string, number>();
    const out: Array<[Key, number]> = new Array(cells.length);
    for (let i = 0; i < cells.length; i++) {
      const cell = cells[i]!;
      const key = cell[0];
      const value = cell[1];
      let before: number | undefined;
      if (typeof key === 'object') {
        const text = keyText(key);
        before = lastComposite.get(text);
        nextComposite.set(text, value);
      } else {
        before = last.get(key);
        next.set(key, value);
      }
      // A smaller value means the entry was deleted and recreated: count it from zero.
      out[i] = [key, before === undefined || value >= before ? value - (before ?? 0) : value];
    }
    this.last = next;
    this.lastComposite = nextComposite;
    return out;
  }
}

/** The cells of every entry, in order: what compiled-cells.ts produces without decoding. */
export function entryCells(entries: DecodedEntry[], only?: string[]): Array<[Key, number]> {
  return entries.flatMap((e) => numericCells(e, only));
}

export function counterRecord(accumulator: Accumulator, entries: DecodedEntry[], only?: string[]): CounterRecord {
  return counterFromCells(accumulator, entryCells(entries, only));
}

/** The cells whose amount is not zero (an index loop: QuickJS destructures `[, amount]` through the iterator protocol). */
function nonZero(cells: Array<[Key, number]>): Array<[Key, number]> {
  const out: Array<[Key, number]> = [];
  for (let i = 0; i < cells.length; i++) if (cells[i]![1] !== 0) out.push(cells[i]!);
  return out;
}

export function counterFromCells(accumulator: Accumulator, cells: Array<[Key, number]>): CounterRecord {
  return { kind: 'counter', deltas: nonZero(accumulator.amounts(cells)) };
}

export function gaugeRecord(entries: DecodedEntry[], only?: string[]): GaugeRecord {
  return { kind: 'gauge', values: entryCells(entries, only) };
}

export function topRecord(accumulator: Accumulator, entries: DecodedEntry[], topN: number, only?: string[]): TopRecord {
  return topFromCells(accumulator, entryCells(entries, only), topN);
}

export function topFromCells(accumulator: Accumulator, cells: Array<[Key, number]>, topN: number): TopRecord {
  const amounts = nonZero(accumulator.amounts(cells));
  amounts.sort((a, b) => b[1] - a[1]);
  const other = amounts.slice(topN).reduce((sum, [, amount]) => sum + amount, 0);
  return { kind: 'top', entries: amounts.slice(0, topN), other };
}

/**
 * `v` as bucket counts, or null when an element is not a number or an integer text. An array
 * of numbers only (what decoding gives) is returned as it is: each read decodes a fresh one.
 */
function asBuckets(v: JsonValue | undefined): number[] | null {
  if (!Array.isArray(v)) return null;
  const length = v.length;
  let i = 0;
  while (i < length && typeof v[i] === 'number') i++;
  if (i === length) return v as number[];
  const buckets = new Array<number>(length);
  for (let j = 0; j < length; j++) {
    const count = v[j]!;
    const number = typeof count === 'number' ? count : asNumber(count);
    if (number === null) return null;
    buckets[j] = number;
  }
  return buckets;
}

/** The bucket array of a histogram value: the named field, else the first numeric array. */
export function bucketsOf(value: JsonValue, field?: string): number[] | null {
  if (Array.isArray(value)) return asBuckets(value);
  if (!value || typeof value !== 'object') return null;
  if (field !== undefined) return asBuckets(value[field]);
  for (const name in value) {
    const buckets = asBuckets(value[name]);
    if (buckets) return buckets;
  }
  return null;
}

/** `buckets` without its trailing empty buckets (cut in place: the caller owns it). */
function trimmedInPlace(buckets: number[]): number[] {
  let end = buckets.length;
  while (end > 0 && buckets[end - 1] === 0) end--;
  if (end < buckets.length) buckets.length = end;
  return buckets;
}

/** The counts since `before`, trailing empty buckets cut; the counts themselves when any bucket shrank (the entry was recreated). */
function windowOf(buckets: number[], before: number[]): number[] {
  const length = buckets.length;
  const common = Math.min(length, before.length);
  // Buckets past the new ones count as zeros: any count there is one that shrank.
  for (let i = common; i < before.length; i++) if (before[i]! > 0) return trimmed(buckets);
  const window = new Array<number>(length);
  let end = 0;
  // One pass: differences, the last one not zero, and whether a bucket shrank.
  for (let i = 0; i < length; i++) {
    const count = i < common ? buckets[i]! - before[i]! : buckets[i]!;
    if (count < 0) return trimmed(buckets);
    window[i] = count;
    if (count !== 0) end = i + 1;
  }
  if (end < length) window.length = end;
  return window;
}

function trimmed(buckets: number[]): number[] {
  let end = buckets.length;
  while (end > 0 && buckets[end - 1] === 0) end--;
  return buckets.slice(0, end);
}

/** Log2 histograms over the window, one per key (series) or all keys merged into one. */
export class HistogramState {
  private last = new Map<string, number[]>();
  constructor(private readonly read: ReadMode, private readonly unit: string, private readonly series: boolean, private readonly field?: string) {}

  record(entries: DecodedEntry[]): HistogramRecord {
    const next = new Map<string, number[]>();
    const perKey: Array<[Key, number[]]> = [];
    const delta = this.read === 'delta';
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      const buckets = bucketsOf(entry.value, this.field);
      if (!buckets) continue;
      const key = recordKey(entry.key);
      const text = keyText(key);
      const before = delta ? this.last.get(text) : undefined;
      next.set(text, buckets);
      perKey.push([key, before ? windowOf(buckets, before) : trimmed(buckets)]);
    }
    this.last = next;
    if (this.series) {
      const series: Array<[Key, number[]]> = [];
      for (let i = 0; i < perKey.length; i++) if (perKey[i]![1].length > 0) series.push(perKey[i]!);
      return { kind: 'histogram', unit: this.unit, series };
    }
    const merged: number[] = [];
    for (let k = 0; k < perKey.length; k++) {
      const buckets = perKey[k]![1];
      for (let i = 0; i < buckets.length; i++) merged[i] = (i < merged.length ? merged[i]! : 0) + buckets[i]!;
    }
    return { kind: 'histogram', unit: this.unit, buckets: trimmedInPlace(merged) };
  }
}
