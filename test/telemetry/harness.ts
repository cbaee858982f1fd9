/**
 * Test harness: a Telemetry on a NetTransport with Node timers, and a subscriber made with MQTT.js
 * that keeps every message it sees, decoded.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { decodeEnvelope, decodeStatus } from '../../agent/src/telemetry/codec.ts';
import { Outbox } from '../../agent/src/telemetry/outbox.ts';
import type { Envelope, Status } from '../../agent/src/telemetry/messages.ts';
import { Telemetry, type TelemetryOptions } from '../../agent/src/telemetry/telemetry.ts';
import { parseTopic } from '../../agent/src/telemetry/topics.ts';
import { NetTransport } from './net-transport.ts';
import { MemoryLogger, nodeClock, nodeTimers } from './node-runtime.ts';
import { BOOT_ID } from '../../bundler/fixtures/telemetry-samples.ts';
import { waitFor } from '../../bundler/fixtures/waiting.ts';

export interface TestAgent {
  telemetry: Telemetry;
  transport: NetTransport;
  outbox: Outbox;
  log: MemoryLogger;
}

export function startAgent(port: number, deviceId: string, overrides: Partial<TelemetryOptions> = {}): TestAgent {
  const transport = new NetTransport('127.0.0.1', port);
  const outbox = overrides.outbox ?? new Outbox(256);
  const log = new MemoryLogger();
  const telemetry = new Telemetry({
    deviceId,
    bootId: BOOT_ID,
    agentVersion: '0.1.0-test',
    release: '6.1.0-31-armmp',
    machine: 'armv7l',
    transport,
    outbox,
    timers: nodeTimers,
    clock: nodeClock,
    random: Math.random,
    log,
    backoff: { initialMs: 100, maxMs: 1000 },
    ...overrides,
  });
  telemetry.start();
  return { telemetry, transport, outbox, log };
}

export interface Received {
  topic: string;
  payload: Buffer;
  qos: number;
  retain: boolean;
  envelope?: Envelope;
  status?: Status;
}

/** Polls `condition` every 20 ms; rejects with `what` after `timeoutMs` (the fixtures' waitFor, named first). */
export function waitUntil(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  return waitFor(condition, what, timeoutMs);
}

export class Subscriber {
  readonly messages: Received[] = [];

  private constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload, packet) => {
      const parsed = parseTopic(topic);
      const received: Received = { topic, payload, qos: packet.qos, retain: packet.retain };
      if (parsed?.kind === 'telemetry') received.envelope = decodeEnvelope(payload);
      if (parsed?.kind === 'status') received.status = decodeStatus(payload);
      this.messages.push(received);
    });
  }

  static async connect(url: string, filter: string, protocolVersion: 4 | 5 = 4): Promise<Subscriber> {
    const client = await mqtt.connectAsync(url, { protocolVersion, reconnectPeriod: 100, connectTimeout: 5000 });
    const subscriber = new Subscriber(client);
    await client.subscribeAsync(filter, { qos: 1 });
    return subscriber;
  }

  telemetry(module?: string): Envelope[] {
    return this.messages.flatMap((m) => (m.envelope && (module === undefined || m.envelope.module === module) ? [m.envelope] : []));
  }

  statuses(device: string): Status[] {
    return this.messages.flatMap((m) => (m.status && m.status.deviceId === device ? [m.status] : []));
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}
