/**
 * One MQTT message's topic and payload, checked and decoded: a status, a telemetry envelope or an
 * OTA result of a device whose id is a valid topic level, or a `BadInput` saying why not. Both the
 * single-process ingest and the ingest workers decode through here, so they refuse the same input
 * for the same reasons.
 */
import { decodeResult } from '../../agent/src/ota/messages.ts';
import { decodePlain } from '../../agent/src/telemetry/cbor.ts';
import { decodeEnvelope, decodeStatus } from '../../agent/src/telemetry/codec.ts';
import { parseTopic, type ParsedTopic } from '../../agent/src/telemetry/topics.ts';
import type { Envelope, Status } from '../../agent/src/telemetry/messages.ts';
import type { OtaResult } from '../../agent/src/ota/messages.ts';
import type { BadInputReason } from './fleet-events.ts';

/** Longest device id accepted (a topic level can be longer, a device id has no reason to be). */
const MAX_DEVICE_ID = 128;

export class BadInput extends Error {
  constructor(
    readonly reason: BadInputReason,
    detail: string,
  ) {
    super(detail);
  }
}

export type DecodedPayload =
  | { kind: 'status'; status: Status }
  | { kind: 'telemetry'; envelope: Envelope }
  | { kind: 'ota-result'; result: OtaResult }
  /** OTA commands: the agents' business, not the fleet side's. */
  | { kind: 'ignored' };

export function validDeviceId(id: string): boolean {
  return id.length > 0 && id.length <= MAX_DEVICE_ID && !/[/+#\u0000-\u001f]/.test(id);
}

/** The topic of a message from a device; throws BadInput for any other topic. */
export function deviceTopic(topic: string): ParsedTopic {
  const parsed = parseTopic(topic);
  if (!parsed) throw new BadInput('topic', `topic '${topic.slice(0, 120)}' is not a Mote topic`);
  if (!validDeviceId(parsed.device)) throw new BadInput('device-id', `device id '${parsed.device.slice(0, 80)}' is not a valid topic level (1 to ${MAX_DEVICE_ID} characters, no control characters, '/', '+' or '#')`);
  return parsed;
}

/** The device a topic names when it names a valid one; null otherwise (for logging bad input). */
export function deviceOfTopic(topic: string): string | null {
  const device = parseTopic(topic)?.device;
  return device !== undefined && validDeviceId(device) ? device : null;
}

/**
 * Why a payload the codec refused is bad: not a CBOR map, another schema version (envelopes and
 * statuses carry it as field 0; OTA results carry none), or a field's type.
 */
function decodeFailure(payload: Uint8Array, error: unknown, versioned = true): BadInput {
  const detail = (error as Error).message;
  let value: unknown;
  try {
    value = decodePlain(payload);
  } catch {
    return new BadInput('malformed', detail);
  }
  if (!(value instanceof Map)) return new BadInput('malformed', detail);
  return !versioned || value.get(0) === 1 ? new BadInput('field-type', detail) : new BadInput('schema-version', detail);
}

function decodeWith<T>(decode: (payload: Uint8Array) => T, payload: Uint8Array, versioned = true): T {
  try {
    return decode(payload);
  } catch (error) {
    throw decodeFailure(payload, error, versioned);
  }
}

/** Decodes a non-empty payload on a checked topic; throws BadInput when it cannot be used. */
export function decodePayload(topic: ParsedTopic, payload: Uint8Array): DecodedPayload {
  const { device } = topic;
  if (topic.kind === 'status') {
    const status = decodeWith(decodeStatus, payload);
    if (status.deviceId !== device) throw new BadInput('device-id', `status on the topic of '${device}' names device '${status.deviceId.slice(0, 80)}'`);
    return { kind: 'status', status };
  }
  if (topic.kind === 'telemetry') {
    const envelope = decodeWith(decodeEnvelope, payload);
    if (envelope.deviceId !== device) throw new BadInput('device-id', `record on the topic of '${device}' names device '${envelope.deviceId.slice(0, 80)}'`);
    if (envelope.module !== topic.module) throw new BadInput('topic', `record on the topic of module '${topic.module}' names module '${envelope.module.slice(0, 80)}'`);
    return { kind: 'telemetry', envelope };
  }
  if (topic.path === 'result') return { kind: 'ota-result', result: decodeWith(decodeResult, payload, false) };
  return { kind: 'ignored' };
}
