/**
 * The messages on the wire around the records: the envelope that carries one record with its
 * device, boot, sequence and window, and the device's status (schema.cddl describes both).
 */
import type { SamplingWindow, TelemetryRecord } from '../sample/decode/records.ts';

/** A record with everything the envelope carries around it. */
export interface Envelope {
  schemaVersion: number;
  deviceId: string;
  bootId: Uint8Array;
  sequence: number;
  timeMs: number;
  module: string;
  moduleVersion: string;
  window: SamplingWindow;
  record: TelemetryRecord;
}

export interface ModuleStatus {
  name: string;
  version: string;
  /** The hook variant a running module uses (`tracepoint`, `kprobe`, ...). */
  variant?: string;
  /** Why the module is not running; absent when it runs. */
  error?: string;
}

export interface StatusCounters {
  sent: number;
  dropped: number;
  reconnects: number;
  depth: number;
  /** Inbound messages on subscribed topics that were rejected (not a CBOR map, no handler, ...). */
  rejected?: number;
  /** Inbound bytes that did not parse as MQTT, or packets a client must not receive. */
  malformed?: number;
  /** Bytes the outbox takes (on disk for a durable outbox, payloads in memory otherwise). */
  bytes?: number;
  /** When the oldest record in the outbox was made (epoch ms); 0 when it is empty. */
  oldestMs?: number;
  /** Torn or corrupt log tails cut off when the outbox was opened. */
  cut?: number;
}

/** The retained status message; the Last Will carries it without modules and counters. */
export interface Status {
  schemaVersion: number;
  deviceId: string;
  bootId: Uint8Array;
  timeMs: number;
  state: 'online' | 'offline';
  agentVersion: string;
  release: string;
  machine: string;
  modules?: ModuleStatus[];
  counters?: StatusCounters;
}

export const SCHEMA_VERSION = 1;
