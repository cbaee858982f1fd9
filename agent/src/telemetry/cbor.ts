/**
 * The one cbor-x configuration telemetry uses. Encoding is plain CBOR (RFC 8949): no record or
 * structure extensions, no tag 64 on byte strings, no tag 259 on maps, shortest map heads.
 * Integers beyond 32 bits go out as CBOR integers (cbor-x would write them as floats).
 * Decoding returns Maps for CBOR maps, so integer and composite keys survive.
 */
import { Decoder, Encoder, type Options } from 'cbor-x';

type PlainOptions = Options & { useTag259ForMaps: boolean; int64AsNumber: boolean };

const plain: PlainOptions = {
  useRecords: false,
  structuredClone: false,
  pack: false,
  tagUint8Array: false,
  useTag259ForMaps: false,
  variableMapSize: true,
  mapsAsObjects: false,
  int64AsNumber: true,
};

const encoder = new Encoder(plain);
const decoder = new Decoder(plain);

/** Encodes a value built from Maps, arrays, numbers, bigints, strings, byte strings. */
export function encodePlain(value: unknown): Uint8Array {
  return encoder.encode(value);
}

/** Decodes one CBOR item; CBOR maps come back as Maps. */
export function decodePlain(bytes: Uint8Array): unknown {
  return decoder.decode(bytes);
}

/** An integer as cbor-x must see it to write a CBOR integer: a bigint beyond 32 bits. */
export function wireInteger(value: number): number | bigint {
  return value > 0xffffffff || value < -0x100000000 ? BigInt(value) : value;
}
