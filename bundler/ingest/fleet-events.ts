/**
 * What ingest hands to the rest of the fleet side (`mote serve`): one event per decoded message,
 * after duplicates are dropped, plus the losses and bad input it saw. The inventory, the
 * history, the Prometheus metrics and the dashboard's live pushes all consume these events and
 * nothing else, so any of them can be replaced without touching ingest.
 */
import type { Envelope, Status } from '../../agent/src/telemetry/messages.ts';
import type { OtaResult } from '../../agent/src/ota/messages.ts';

export type FleetEvent =
  /** A status message (retained or live); `state: 'offline'` also comes from the Last Will. */
  | { kind: 'status'; device: string; status: Status; retained: boolean; receivedMs: number }
  /** A telemetry record seen for the first time (duplicates by device, boot and seq are dropped). */
  | { kind: 'telemetry'; device: string; envelope: Envelope; receivedMs: number }
  /** Records that never arrived: a gap in one module's sequence numbers within one boot. */
  | { kind: 'lost'; device: string; module: string; count: number; receivedMs: number }
  /** A device's answer to an OTA command. */
  | { kind: 'ota-result'; device: string; result: OtaResult; receivedMs: number }
  /**
   * A message that could not be used: malformed CBOR, an unknown schema version, fields of the
   * wrong type, a device id that is not a topic level, a flood. `device` is null when unknown.
   */
  | { kind: 'bad-input'; device: string | null; reason: BadInputReason; detail: string; receivedMs: number };

export type BadInputReason = 'malformed' | 'schema-version' | 'field-type' | 'device-id' | 'flood' | 'topic';

/** Anything that takes fleet events: the inventory, the history, the metrics, live pushes. */
export interface FleetEventSink {
  accept(event: FleetEvent): void;
}
