/**
 * How per-CPU copies of a value add up: numbers (and decimal strings of big ones) add, exactly (a
 * sum beyond 2^53 becomes decimal text, as 64-bit values do); the rest keep the first copy's
 * value. Compiled summing decoders call it per leaf; over whole decoded values it is their
 * reference. Pure.
 */
import type { JsonValue } from './btf-value.ts';
import { jsonInteger } from '../../bytes/json-integer.ts';

const INTEGER_TEXT = /^-?\d+$/;

/** `a + b`, member by member and element by element. */
export function sumValues(a: JsonValue, b: JsonValue): JsonValue {
  if (typeof a === 'number' && typeof b === 'number') {
    const sum = a + b;
    return Number.isSafeInteger(a) && Number.isSafeInteger(b) && !Number.isSafeInteger(sum) ? jsonInteger(BigInt(a) + BigInt(b)) : sum;
  }
  if ((typeof a === 'number' || typeof a === 'string') && (typeof b === 'number' || typeof b === 'string') && INTEGER_TEXT.test(String(a)) && INTEGER_TEXT.test(String(b))) {
    return jsonInteger(BigInt(a) + BigInt(b));
  }
  if (Array.isArray(a) && Array.isArray(b)) return a.map((item, i) => sumValues(item, b[i] ?? 0));
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const out: { [key: string]: JsonValue } = {};
    for (const name in a) out[name] = sumValues(a[name]!, b[name] ?? 0);
    return out;
  }
  return a;
}

