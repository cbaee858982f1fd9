/**
 * The recorded corpus the simulator replays: the payloads one real host agent published while
 * running its built-in modules, exactly as they came off the broker (the online status with its
 * module list, and telemetry envelopes). The file is one plain CBOR map,
 * `{"format": 1, "status": bstr, "envelopes": [bstr, ...]}`; `mote fleet-sim --record` writes it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodePlain, encodePlain } from '../../agent/src/telemetry/cbor.ts';
import { decodeEnvelope, decodeStatus } from '../../agent/src/telemetry/codec.ts';
import type { Envelope, Status } from '../../agent/src/telemetry/messages.ts';
import { MoteError } from '../../agent/src/errors.ts';
import { repoRoot } from '../paths.ts';

/** The corpus committed with the simulator. */
export const DEFAULT_CORPUS = join(repoRoot, 'bundler', 'fleet-sim', 'recorded-agent.cbor');

const FORMAT = 1;

export interface RecordedPayloads {
  status: Uint8Array;
  envelopes: Uint8Array[];
}

/** One recorded envelope, decoded, with the payload it came in. */
export interface RecordedEnvelope {
  envelope: Envelope;
  payload: Uint8Array;
}

/** The corpus decoded: what the recorded agent said about itself, and its records by module. */
export interface Corpus {
  status: Status;
  /** The recorded envelopes of each module that published, in recorded order. */
  byModule: Map<string, RecordedEnvelope[]>;
}

export class CorpusError extends MoteError {}

export function writeCorpus(path: string, payloads: RecordedPayloads): void {
  writeFileSync(path, encodePlain(new Map<string, unknown>([['format', FORMAT], ['status', payloads.status], ['envelopes', payloads.envelopes]])));
}

function payloadsOf(path: string, bytes: Uint8Array): RecordedPayloads {
  let value: unknown;
  try {
    value = decodePlain(bytes);
  } catch (error) {
    throw new CorpusError(`corpus '${path}' is not CBOR (${(error as Error).message}); record it again with 'mote fleet-sim --record'`);
  }
  const fail = (what: string): never => {
    throw new CorpusError(`corpus '${path}': ${what}; record it again with 'mote fleet-sim --record'`);
  };
  if (!(value instanceof Map)) return fail('not a CBOR map');
  if (value.get('format') !== FORMAT) fail(`format ${String(value.get('format'))} is not ${FORMAT}`);
  const status = value.get('status');
  const envelopes = value.get('envelopes');
  if (!(status instanceof Uint8Array)) fail('"status" is not a byte string');
  if (!Array.isArray(envelopes) || envelopes.length === 0 || !envelopes.every((e) => e instanceof Uint8Array)) fail('"envelopes" is not a non-empty array of byte strings');
  return { status: status as Uint8Array, envelopes: envelopes as Uint8Array[] };
}

export function readCorpus(path = DEFAULT_CORPUS): Corpus {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new CorpusError(`cannot read corpus '${path}' (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); give an existing file or record one with 'mote fleet-sim --record'`);
  }
  const payloads = payloadsOf(path, bytes);
  const byModule = new Map<string, RecordedEnvelope[]>();
  for (const payload of payloads.envelopes) {
    const envelope = decodeEnvelope(payload);
    byModule.set(envelope.module, [...(byModule.get(envelope.module) ?? []), { envelope, payload }]);
  }
  return { status: decodeStatus(payloads.status), byModule };
}
