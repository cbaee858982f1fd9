/**
 * Ingest: one MQTT message in, fleet events out. It parses the topic, decodes the CBOR envelope,
 * status or OTA result, drops duplicate records by (device, boot, seq), counts the gaps as lost
 * records per device and module, and turns anything unusable into a `bad-input` event (logged at
 * most once per device per minute). It never throws on input, and every piece of state it keeps
 * is bounded: devices tracked for dedupe, modules per device, missing numbers per stream, and a
 * token bucket per device against floods.
 */
import { decodeResult } from '../../agent/src/ota/messages.ts';
import { decodePlain } from '../../agent/src/telemetry/cbor.ts';
import { decodeEnvelope, decodeStatus } from '../../agent/src/telemetry/codec.ts';
import { parseTopic } from '../../agent/src/telemetry/topics.ts';
import { BadInputLog } from './bad-input-log.ts';
import { ThrottledLog } from './throttled-log.ts';
import { BoundedMap } from './bounded-map.ts';
import type { BadInputReason, FleetEventSink } from './fleet-events.ts';
import { SequenceWindow } from './sequence-window.ts';
import { TokenBucket } from './token-bucket.ts';

export interface IngestLimits {
  /** Devices whose dedupe state and flood bucket are kept (least recently seen forgotten first). */
  maxDevices: number;
  /** Modules tracked per device; records of further modules are bad input. */
  maxModulesPerDevice: number;
  /** Messages a second one device may send on average, and in a burst. */
  perDeviceRate: number;
  perDeviceBurst: number;
  /** How long a skipped sequence number may still arrive before it counts as lost. */
  reorderGraceMs: number;
}

export const DEFAULT_INGEST_LIMITS: IngestLimits = { maxDevices: 10_000, maxModulesPerDevice: 64, perDeviceRate: 200, perDeviceBurst: 2000, reorderGraceMs: 5000 };

/** Longest device id accepted (a topic level can be longer, a device id has no reason to be). */
const MAX_DEVICE_ID = 128;

interface DeviceState {
  bucket: TokenBucket;
  streams: Map<string, SequenceWindow>;
}

class BadInput extends Error {
  constructor(
    readonly reason: BadInputReason,
    detail: string,
  ) {
    super(detail);
  }
}

function validDeviceId(id: string): boolean {
  return id.length > 0 && id.length <= MAX_DEVICE_ID && !/[/+#\u0000-\u001f]/.test(id);
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

export class Ingest {
  private readonly devices: BoundedMap<string, DeviceState>;
  private readonly badInputLog: BadInputLog;
  private readonly internalErrorLog: ThrottledLog;
  private readonly limits: IngestLimits;
  /** Streams holding missing sequence numbers, swept by expireMissing(). */
  private readonly streamsWithMissing = new Set<string>();

  constructor(
    private readonly sink: FleetEventSink,
    options: { log: (line: string) => void; limits?: Partial<IngestLimits> },
  ) {
    this.limits = { ...DEFAULT_INGEST_LIMITS, ...options.limits };
    this.devices = new BoundedMap(this.limits.maxDevices);
    this.badInputLog = new BadInputLog(options.log);
    this.internalErrorLog = new ThrottledLog(options.log);
  }

  /** One message from a broker. */
  accept(topic: string, payload: Uint8Array, retained: boolean, nowMs = Date.now()): void {
    try {
      this.route(topic, payload, retained, nowMs);
    } catch (error) {
      if (!(error instanceof BadInput)) return this.internalError(topic, error as Error, nowMs);
      const device = parseTopic(topic)?.device ?? null;
      this.emitBadInput(device !== null && validDeviceId(device) ? device : null, error.reason, error.message, nowMs);
    }
  }

  /** Counts as lost the sequence numbers that stayed missing past the grace; call every second. */
  expireMissing(nowMs = Date.now()): void {
    for (const id of this.streamsWithMissing) {
      const [device, module] = JSON.parse(id) as [string, string];
      const stream = this.devices.peek(device)?.streams.get(module);
      const lost = stream?.expire(nowMs, this.limits.reorderGraceMs) ?? 0;
      if (lost > 0) this.sink.accept({ kind: 'lost', device, module, count: lost, receivedMs: nowMs });
      if (!stream?.hasMissing) this.streamsWithMissing.delete(id);
    }
  }

  private route(topic: string, payload: Uint8Array, retained: boolean, nowMs: number): void {
    const parsed = parseTopic(topic);
    if (!parsed) throw new BadInput('topic', `topic '${topic.slice(0, 120)}' is not a Mote topic`);
    if (!validDeviceId(parsed.device)) throw new BadInput('device-id', `device id '${parsed.device.slice(0, 80)}' is not a valid topic level (1 to ${MAX_DEVICE_ID} characters, no control characters, '/', '+' or '#')`);
    if (payload.length === 0) return; // a retained message being cleared
    const device = this.deviceState(parsed.device, nowMs);
    if (!device.bucket.take(nowMs)) throw new BadInput('flood', `more than ${this.limits.perDeviceRate} messages a second; the excess is dropped`);
    if (parsed.kind === 'status') this.status(parsed.device, payload, retained, nowMs);
    else if (parsed.kind === 'telemetry') this.telemetry(parsed.device, parsed.module, device, payload, nowMs);
    else if (parsed.path === 'result') this.otaResult(parsed.device, payload, nowMs);
  }

  private deviceState(id: string, nowMs: number): DeviceState {
    let state = this.devices.get(id);
    if (!state) this.devices.set(id, (state = { bucket: new TokenBucket(this.limits.perDeviceRate, this.limits.perDeviceBurst, nowMs), streams: new Map() }));
    return state;
  }

  private status(device: string, payload: Uint8Array, retained: boolean, nowMs: number): void {
    let status;
    try {
      status = decodeStatus(payload);
    } catch (error) {
      throw decodeFailure(payload, error);
    }
    if (status.deviceId !== device) throw new BadInput('device-id', `status on the topic of '${device}' names device '${status.deviceId.slice(0, 80)}'`);
    this.sink.accept({ kind: 'status', device, status, retained, receivedMs: nowMs });
  }

  private telemetry(device: string, module: string, state: DeviceState, payload: Uint8Array, nowMs: number): void {
    let envelope;
    try {
      envelope = decodeEnvelope(payload);
    } catch (error) {
      throw decodeFailure(payload, error);
    }
    if (envelope.deviceId !== device) throw new BadInput('device-id', `record on the topic of '${device}' names device '${envelope.deviceId.slice(0, 80)}'`);
    if (envelope.module !== module) throw new BadInput('topic', `record on the topic of module '${module}' names module '${envelope.module.slice(0, 80)}'`);
    const boot = Buffer.from(envelope.bootId).toString('hex');
    const stream = state.streams.get(module);
    if (!stream) {
      if (state.streams.size >= this.limits.maxModulesPerDevice) throw new BadInput('topic', `more than ${this.limits.maxModulesPerDevice} modules; records of module '${module}' are dropped`);
      state.streams.set(module, new SequenceWindow(boot, envelope.sequence));
    } else {
      const verdict = stream.see(boot, envelope.sequence, nowMs, this.limits.reorderGraceMs);
      if (verdict.duplicate) return;
      if (verdict.lost > 0) this.sink.accept({ kind: 'lost', device, module, count: verdict.lost, receivedMs: nowMs });
      if (stream.hasMissing) this.streamsWithMissing.add(JSON.stringify([device, module]));
    }
    this.sink.accept({ kind: 'telemetry', device, envelope, receivedMs: nowMs });
  }

  private otaResult(device: string, payload: Uint8Array, nowMs: number): void {
    let result;
    try {
      result = decodeResult(payload);
    } catch (error) {
      throw decodeFailure(payload, error, false);
    }
    this.sink.accept({ kind: 'ota-result', device, result, receivedMs: nowMs });
  }

  /**
   * A failure of mote serve's own code on a message it had decoded: not the device's fault, so not
   * bad input. Logged with where it happened, at most once a minute per kind, and the server goes on.
   */
  private internalError(topic: string, error: Error, nowMs: number): void {
    this.internalErrorLog.note(error.message, (heldBack) => {
      const where = (error.stack ?? '').split('\n').slice(1, 3).map((line) => line.trim()).join(' ');
      const held = heldBack ? ` (${heldBack} more since the last line)` : '';
      return `internal error on ${topic.slice(0, 120)}: ${error.message} ${where}${held}; this is a bug in mote serve: please report it with this line`;
    }, nowMs);
  }

  private emitBadInput(device: string | null, reason: BadInputReason, detail: string, nowMs: number): void {
    this.badInputLog.note(device, reason, detail, nowMs);
    this.sink.accept({ kind: 'bad-input', device, reason, detail, receivedMs: nowMs });
  }
}
