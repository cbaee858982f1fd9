/**
 * Ingest: one MQTT message in, fleet events out. It parses the topic, decodes the CBOR envelope,
 * status or OTA result, drops duplicate records by (device, boot, seq), counts the gaps as lost
 * records per device and module, and turns anything unusable into a `bad-input` event (logged at
 * most once per device per minute). It never throws on input, and every piece of state it keeps
 * is bounded: devices tracked for dedupe, modules per device, missing numbers per stream, and a
 * token bucket per device against floods.
 */
import type { Envelope } from '../../agent/src/telemetry/messages.ts';
import { BadInput, decodePayload, deviceOfTopic, deviceTopic } from './decode-message.ts';
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

interface DeviceState {
  bucket: TokenBucket;
  streams: Map<string, SequenceWindow>;
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
      this.emitBadInput(deviceOfTopic(topic), error.reason, error.message, nowMs);
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
    const parsed = deviceTopic(topic);
    if (payload.length === 0) return; // a retained message being cleared
    const device = this.deviceState(parsed.device, nowMs);
    if (!device.bucket.take(nowMs)) throw new BadInput('flood', `more than ${this.limits.perDeviceRate} messages a second; the excess is dropped`);
    const decoded = decodePayload(parsed, payload);
    if (decoded.kind === 'status') this.sink.accept({ kind: 'status', device: parsed.device, status: decoded.status, retained, receivedMs: nowMs });
    else if (decoded.kind === 'telemetry') this.telemetry(parsed.device, device, decoded.envelope, nowMs);
    else if (decoded.kind === 'ota-result') this.sink.accept({ kind: 'ota-result', device: parsed.device, result: decoded.result, receivedMs: nowMs });
  }

  private deviceState(id: string, nowMs: number): DeviceState {
    let state = this.devices.get(id);
    if (!state) this.devices.set(id, (state = { bucket: new TokenBucket(this.limits.perDeviceRate, this.limits.perDeviceBurst, nowMs), streams: new Map() }));
    return state;
  }

  private telemetry(device: string, state: DeviceState, envelope: Envelope, nowMs: number): void {
    const { module } = envelope;
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
