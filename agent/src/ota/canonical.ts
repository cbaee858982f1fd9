/**
 * Canonical CBOR for packages: the core deterministic encoding of RFC 8949 section 4.2.1.
 * cbor-x (configured for plain CBOR in telemetry/cbor.ts) already writes definite lengths and
 * shortest heads; this module adds the key order, sorting every map's entries by the bytes of
 * their encoded keys. Decoding accepts only input that re-encodes to the identical bytes.
 */
import { decodePlain, encodePlain } from '../telemetry/cbor.ts';
import { MoteError } from '../errors.ts';
import { compareBytes, equalBytes } from '../bytes/compare.ts';

/** A copy of `value` whose maps (at any depth) list their entries in canonical key order. */
function sortedMaps(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedMaps);
  if (!(value instanceof Map)) return value;
  const entries = [...value].map(([key, item]) => ({ encodedKey: encodePlain(key), key, item: sortedMaps(item) }));
  entries.sort((a, b) => compareBytes(a.encodedKey, b.encodedKey));
  return new Map(entries.map((e) => [e.key, e.item]));
}

/** The canonical encoding of a value built from Maps, arrays, integers, texts and byte strings. */
export function encodeCanonical(value: unknown): Uint8Array {
  return encodePlain(sortedMaps(value));
}

/** Decodes one CBOR item; throws unless `bytes` is exactly its canonical encoding. */
export function decodeCanonical(bytes: Uint8Array): unknown {
  const value = decodePlain(bytes);
  if (!equalBytes(encodeCanonical(value), bytes)) {
    throw new MoteError('not in canonical CBOR form (RFC 8949 4.2.1: sorted keys, shortest heads, one item, no tags or floats); write packages with mote pack');
  }
  return value;
}
