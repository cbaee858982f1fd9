/**
 * A 64-bit integer as a JSON value: a number while it is exact (within ±(2^53 - 1)), otherwise
 * its decimal text, so that no digit is lost on the way through JSON or CBOR consumers.
 */

export type JsonInteger = number | string;

export function jsonInteger(value: bigint): JsonInteger {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
}
