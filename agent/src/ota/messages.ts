/**
 * The OTA messages of package.cddl: install and remove commands (host to device) and results
 * (device to host), with their topics under `mote/v1/<device>/ota/`. Commands arrive decoded
 * (Telemetry's onCommand hands over a CBOR map); results are decoded by the host CLI.
 */
import { decodePlain } from '../telemetry/cbor.ts';
import { TOPIC_ROOT } from '../telemetry/topics.ts';
import { MoteError } from '../errors.ts';
import { encodeCanonical } from './canonical.ts';
import type { RejectionReason } from './rejection.ts';

export type OtaCommandPath = 'install' | 'remove';
export type OtaOutcome = 'accepted' | 'rejected' | 'rolled-back' | 'removed';

const enum Label {
  Request = 0,
  Package = 1,
  Module = 2,
  Outcome = 3,
  Reason = 4,
  Message = 5,
  Version = 6,
  Excerpt = 7,
}

export interface OtaResult {
  requestId: string;
  /** '' when the package was too damaged to name its module. */
  module: string;
  outcome: OtaOutcome;
  reason?: RejectionReason;
  message: string;
  /** The version running now, if any. */
  version?: string;
  verifierExcerpt?: string[];
}

export class OtaMessageError extends MoteError {}

export function otaTopic(device: string, path: OtaCommandPath | 'result'): string {
  return `${TOPIC_ROOT}/${device}/ota/${path}`;
}

export function encodeInstall(requestId: string, packageBytes: Uint8Array): Uint8Array {
  return encodeCanonical(new Map<number, unknown>([[Label.Request, requestId], [Label.Package, packageBytes]]));
}

export function encodeRemove(requestId: string, module: string): Uint8Array {
  return encodeCanonical(new Map<number, unknown>([[Label.Request, requestId], [Label.Module, module]]));
}

function field<T>(map: Map<unknown, unknown>, label: Label, what: string, check: (value: unknown) => value is T): T {
  const value = map.get(label);
  if (!check(value)) throw new OtaMessageError(`OTA message: field ${label} (${what}) is missing or of the wrong type; send it with mote publish or mote remove`);
  return value;
}

const isText = (value: unknown): value is string => typeof value === 'string';
const isBytes = (value: unknown): value is Uint8Array => value instanceof Uint8Array;
const isRequestId = (value: unknown): value is string => isText(value) && value.length > 0 && value.length <= 64;

/** The request id of any command, '' when it has none, to answer even a broken command. */
export function requestIdOf(command: Map<unknown, unknown>): string {
  const value = command.get(Label.Request);
  return isRequestId(value) ? value : '';
}

export function decodeInstall(command: Map<unknown, unknown>): { requestId: string; packageBytes: Uint8Array } {
  return { requestId: field(command, Label.Request, 'request id', isRequestId), packageBytes: field(command, Label.Package, 'package', isBytes) };
}

export function decodeRemove(command: Map<unknown, unknown>): { requestId: string; module: string } {
  return { requestId: field(command, Label.Request, 'request id', isRequestId), module: field(command, Label.Module, 'module', isText) };
}

export function encodeResult(result: OtaResult): Uint8Array {
  const map = new Map<number, unknown>([
    [Label.Request, result.requestId],
    [Label.Module, result.module],
    [Label.Outcome, result.outcome],
    [Label.Message, result.message],
  ]);
  if (result.reason !== undefined) map.set(Label.Reason, result.reason);
  if (result.version !== undefined) map.set(Label.Version, result.version);
  if (result.verifierExcerpt !== undefined) map.set(Label.Excerpt, result.verifierExcerpt);
  return encodeCanonical(map);
}

export function decodeResult(bytes: Uint8Array): OtaResult {
  const map = decodePlain(bytes);
  if (!(map instanceof Map)) throw new OtaMessageError('OTA result: not a CBOR map');
  const result: OtaResult = {
    requestId: field(map, Label.Request, 'request id', isText),
    module: field(map, Label.Module, 'module', isText),
    outcome: field(map, Label.Outcome, 'outcome', (v): v is OtaOutcome => ['accepted', 'rejected', 'rolled-back', 'removed'].includes(v as string)),
    message: field(map, Label.Message, 'message', isText),
  };
  if (map.has(Label.Reason)) result.reason = field(map, Label.Reason, 'reason', isText) as RejectionReason;
  if (map.has(Label.Version)) result.version = field(map, Label.Version, 'version', isText);
  if (map.has(Label.Excerpt)) result.verifierExcerpt = field(map, Label.Excerpt, 'verifier excerpt', (v): v is string[] => Array.isArray(v) && v.every(isText));
  return result;
}
