/** Fuzz target: the CBOR telemetry envelope and status message decoders (schema.cddl). */
import { decodeEnvelope, decodeStatus } from '../../../agent/src/telemetry/codec.ts';
import { typedOutcome } from './outcome.ts';

export function fuzz(data: Uint8Array): string {
  return `${typedOutcome(() => decodeEnvelope(data))}, ${typedOutcome(() => decodeStatus(data))}`;
}
