/**
 * Per-device authorization on a real NATS server (JetStream and its MQTT gateway), with the user
 * entries `mote enroll` prints (bcrypt hashes of the passwords it made) and traffic through them:
 * a device publishes only under its own id and sends no OTA commands; it subscribes at QoS 1 to
 * its own OTA topics and gets only its own commands, and cannot reach the gateway's delivery
 * subjects or log in over plain NATS. The operator's entry is enough for a real ingest worker
 * (`mote serve --jetstream` with its credentials): it makes the streams, stores a device's records
 * in VictoriaMetrics and parks a poisoned one. The real mote-agent publishes with its password and
 * receives a command on its OTA subscription, and the server logs no violation for it.
 * A refused publish over MQTT 3.1.1 is acknowledged and dropped, so it is shown by its absence at
 * the operator, after a later publish of the same connection has arrived.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeEnvelope } from '../../agent/src/telemetry/codec.ts';
import { NatsCluster } from '../../bundler/broker/nats-cluster.ts';
import { waitFor } from '../../bundler/fixtures/waiting.ts';
import { startWorkerService } from '../../bundler/ingest/worker/worker-service.ts';
import { repoRoot } from '../../bundler/paths.ts';
import { SEQUENCE_METRIC } from '../../bundler/store/victoria/record-series.ts';
import { VictoriaClient } from '../../bundler/store/victoria/victoria-client.ts';
import { VictoriaProcess } from '../../bundler/store/victoria/victoria-process.ts';
import { AgentProcess } from '../agent/support.ts';
import { rootSkipReason } from '../support/agent.ts';

const OPERATOR = 'fleet-operator';
const work = mkdtempSync(join(tmpdir(), 'mote-nats-acl-'));
const passwords = new Map<string, string>();
const entries: string[] = [];
let cluster: NatsCluster;
let operator: NatsConnection;
const seen: Array<{ subject: string; payload: string }> = [];

/** `mote enroll <name> --password-file` through the real CLI: keeps the password and the NATS entry. */
function enroll(name: string, asOperator = false): void {
  const out = execFileSync(process.execPath, [join(repoRoot, 'bundler', 'cli', 'mote.mjs'), 'enroll', name, '--password-file', join(work, 'passwd'), ...(asOperator ? ['--operator'] : [])], { encoding: 'utf8' });
  passwords.set(name, out.match(/^ {2}password (\S+)$/m)![1]!);
  entries.push(out.split('\n').find((line) => line.startsWith('{ user: '))!);
}

function asDevice(name: string, password = passwords.get(name)!): Promise<MqttClient> {
  return mqtt.connectAsync(cluster.mqttUrls[0]!, { protocolVersion: 4, username: name, password, clientId: `${name}-${Math.random().toString(36).slice(2, 8)}`, reconnectPeriod: 0, connectTimeout: 10_000 });
}

async function waitSeen(subject: string, payload: string): Promise<void> {
  await waitFor(() => seen.some((m) => m.subject === subject && m.payload === payload), `the operator to see '${payload}' on ${subject}; server log:\n${cluster.nodes[0]!.process.output.slice(-3000)}`, 20_000);
}

/** A refused publish: never seen by the operator, though a marker published after it is. */
async function expectRefused(device: MqttClient, ownSubject: string, topic: string): Promise<void> {
  const payload = `refused-${Math.random()}`;
  await device.publishAsync(topic, payload, { qos: 1 });
  const marker = `after-${Math.random()}`;
  await device.publishAsync(ownSubject.replaceAll('.', '/'), marker, { qos: 1 });
  await waitSeen(ownSubject, marker);
  expect(seen.filter((m) => m.payload === payload), topic).toEqual([]);
}

/** The granted QoS of each filter: 1, or 128 for a refused subscription. */
async function subscribe(device: MqttClient, filters: string[]): Promise<number[]> {
  const granted: number[] = [];
  for (const filter of filters) {
    try {
      granted.push(...(await device.subscribeAsync(filter, { qos: 1 })).map((grant) => grant.qos));
    } catch {
      granted.push(128);
    }
  }
  return granted;
}

beforeAll(async () => {
  for (const device of ['dev-a', 'dev-b', 'dev-agent']) enroll(device);
  enroll(OPERATOR, true);
  cluster = await NatsCluster.launch(1, entries);
  operator = await connect({ servers: cluster.natsUrls, user: OPERATOR, pass: passwords.get(OPERATOR)! });
  operator.subscribe('mote.v1.>', { callback: (_error, message) => seen.push({ subject: message.subject, payload: message.string() }) });
  await operator.flush();
}, 60_000);

afterAll(async () => {
  await operator?.close();
  await cluster?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('NATS with the user entries of mote enroll', () => {
  it('takes the bcrypt hashes mote enroll printed, refuses a wrong password, and keeps devices off plain NATS', async () => {
    expect(entries.every((entry) => /password: "\$2b\$11\$/.test(entry))).toBe(true);
    await expect(asDevice('dev-a', 'wrong')).rejects.toThrow(/Not authorized|Bad User Name or Password/i);
    await expect(connect({ servers: cluster.natsUrls, user: 'dev-a', pass: passwords.get('dev-a')!, maxReconnectAttempts: 0 })).rejects.toThrow(/Authorization Violation/i);
    const device = await asDevice('dev-a');
    await device.publishAsync('mote/v1/dev-a/telemetry/syscount', 'own', { qos: 1 });
    await waitSeen('mote.v1.dev-a.telemetry.syscount', 'own');
    await device.endAsync();
  });

  it('refuses a device publishing under another device id, and OTA commands from a device', async () => {
    const device = await asDevice('dev-a');
    try {
      for (const topic of ['mote/v1/dev-b/telemetry/syscount', 'mote/v1/dev-b/status', 'mote/v1/dev-b/ota/result', 'mote/v1/dev-b/ota/install', 'mote/v1/dev-a/ota/install', 'mote/v1/dev-a/ota/remove', 'mote/other']) {
        await expectRefused(device, 'mote.v1.dev-a.status', topic);
      }
    } finally {
      await device.endAsync();
    }
    expect(cluster.nodes[0]!.process.output).toMatch(/Publish Violation - User "dev-a", Subject "mote\.v1\.dev-b\.telemetry\.syscount"/);
  });

  it('grants a device its own OTA topics at QoS 1 only, and delivers the operator\'s commands to their device alone', async () => {
    const snoop = await asDevice('dev-a');
    const target = await asDevice('dev-b');
    const received = { snoop: [] as string[], target: [] as string[] };
    snoop.on('message', (topic, payload) => received.snoop.push(`${topic} ${payload.toString()}`));
    target.on('message', (topic, payload) => received.target.push(`${topic} ${payload.toString()}`));
    try {
      expect(await subscribe(snoop, ['mote/v1/dev-a/ota/#', 'mote/v1/dev-b/ota/#', 'mote/v1/#', '$MQTT/sub/#', '#'])).toEqual([1, 128, 128, 128, 128]);
      expect(await subscribe(target, ['mote/v1/dev-b/ota/#'])).toEqual([1]);
      operator.publish('mote.v1.dev-b.ota.install', 'for-dev-b');
      operator.publish('mote.v1.dev-a.ota.install', 'for-dev-a');
      await waitFor(() => received.snoop.length > 0 && received.target.length > 0, 'both devices to get their command', 20_000);
      await new Promise((resolve) => setTimeout(resolve, 500)); // room for a wrong delivery to show
      expect(received.snoop).toEqual(['mote/v1/dev-a/ota/install for-dev-a']);
      expect(received.target).toEqual(['mote/v1/dev-b/ota/install for-dev-b']);
    } finally {
      await Promise.all([snoop.endAsync(), target.endAsync()]);
    }
  });
});

describe('an ingest worker logged in as the enrolled operator', () => {
  let victoria: VictoriaProcess;
  beforeAll(async () => {
    victoria = await VictoriaProcess.launch();
  }, 60_000);
  afterAll(async () => victoria?.stop());

  it('makes its streams, stores a device\'s records and parks a poisoned message', async () => {
    const log: string[] = [];
    const worker = await startWorkerService({
      jetstream: { servers: cluster.natsUrls, replicas: 1, credentials: { user: OPERATOR, pass: passwords.get(OPERATOR)! } },
      brokers: [], tls: {}, group: 'acl-ingest', database: victoria.url, listen: { host: '127.0.0.1', port: 0 }, metricsIntervalMs: 1000, log: (line) => log.push(line),
    });
    const device = await asDevice('dev-b');
    try {
      const envelope = (sequence: number) => encodeEnvelope({ schemaVersion: 1, deviceId: 'dev-b', bootId: new Uint8Array(16).fill(7), sequence, timeMs: Date.now() - 60_000 + sequence, module: 'syscount', moduleVersion: '1', window: { startMs: sequence, lengthMs: 1 }, record: { kind: 'counter', deltas: [['read', sequence]] } });
      for (let sequence = 0; sequence < 20; sequence++) await device.publishAsync('mote/v1/dev-b/telemetry/syscount', Buffer.from(envelope(sequence)), { qos: 1 });
      await device.publishAsync('mote/v1/dev-b/telemetry/syscount', Buffer.from([0xff, 0x13]), { qos: 1 });
      const database = new VictoriaClient(victoria.url);
      const stored = async () => {
        await victoria.flush();
        return new Set((await database.export(`${SEQUENCE_METRIC}{device="dev-b"}`)).flatMap((series) => series.values)).size;
      };
      await waitFor(async () => (await stored()) === 20, `the 20 records in the database; worker log:\n${log.join('\n')}`, 30_000);
      await waitFor(async () => /mote_ingest_parked_total\{[^}]*reason="malformed"[^}]*\} 1/.test(await (await fetch(`${worker.url}metrics`)).text()), 'the poisoned message parked', 20_000);
      expect(cluster.nodes[0]!.process.output).not.toMatch(new RegExp(`Violation - User "${OPERATOR}"`));
    } finally {
      await device.endAsync();
      await worker.stop();
    }
  }, 90_000);
});

const skip = rootSkipReason();
describe.skipIf(skip !== null)('the real mote-agent on the NATS MQTT gateway', () => {
  it('publishes its status and telemetry and subscribes to its OTA topics, with no violation', async () => {
    const config = join(work, 'agent.json');
    writeFileSync(config, JSON.stringify({ broker: cluster.mqttUrls[0], device: 'dev-agent', username: 'dev-agent', password: passwords.get('dev-agent') }));
    const agent = AgentProcess.run(['--config', config, '--modules', 'syscount', '--interval-ms', '500']);
    try {
      await agent.waitFor('status and telemetry at the operator', () => seen.some((m) => m.subject === 'mote.v1.dev-agent.status') && seen.some((m) => m.subject === 'mote.v1.dev-agent.telemetry.syscount'), 60_000);
      operator.publish('mote.v1.dev-agent.ota.remove', 'not CBOR');
      await agent.waitFor('the agent to receive the (malformed) OTA command', () => /OTA commands are CBOR maps/.test(agent.stderr), 30_000);
      expect(cluster.nodes[0]!.process.output).not.toMatch(/Violation - User "dev-agent"/);
    } finally {
      await agent.kill();
    }
  }, 120_000);
});
