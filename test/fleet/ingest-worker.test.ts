/**
 * Ingest workers against real parts: a 3-node NATS cluster (JetStream and MQTT on each node),
 * VictoriaMetrics, and devices that publish over MQTT 3.1.1 to any node. A worker writes every
 * record and acknowledges it only once the database has it; with the database away it holds its
 * batch and acknowledges nothing, and once the database is back the backlog fills it, with
 * nothing lost; a poisoned message is parked (kept in MOTE_PARKED, counted) and the records after
 * it still go through; a record sent twice is stored once. Then two workers share one mosquitto's
 * MQTT 5 shared subscription, both take a part, and the database holds every record once.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { connect } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeEnvelope } from '../../agent/src/telemetry/codec.ts';
import { NatsCluster } from '../../bundler/broker/nats-cluster.ts';
import { Mosquitto } from '../../bundler/broker/mosquitto.ts';
import { startWorkerService, type WorkerService } from '../../bundler/ingest/worker/worker-service.ts';
import { PARKED_STREAM, TELEMETRY_STREAM } from '../../bundler/ingest/worker/jetstream-source.ts';
import { SEQUENCE_METRIC } from '../../bundler/store/victoria/record-series.ts';
import { VictoriaClient } from '../../bundler/store/victoria/victoria-client.ts';
import { VictoriaProcess } from '../../bundler/store/victoria/victoria-process.ts';
import { waitFor } from '../../bundler/fixtures/waiting.ts';

const BOOT = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
const BASE_MS = Date.now() - 600_000;
const workerLog: string[] = [];

function envelope(device: string, sequence: number): Uint8Array {
  return encodeEnvelope({
    schemaVersion: 1,
    deviceId: device,
    bootId: BOOT,
    sequence,
    timeMs: BASE_MS + sequence * 10,
    module: 'syscount',
    moduleVersion: '1',
    window: { startMs: sequence * 10, lengthMs: 10 },
    record: { kind: 'counter', deltas: [['read', sequence + 1], ['write', 2]] },
  });
}

/** The sequence numbers the database holds for a device, each once, sorted. */
async function storedSequences(database: VictoriaClient, victoria: VictoriaProcess, device: string): Promise<number[]> {
  await victoria.flush();
  const stored = new Set<number>();
  for (const series of await database.export(`${SEQUENCE_METRIC}{device="${device}"}`)) for (const value of series.values) stored.add(value);
  return [...stored].sort((a, b) => a - b);
}

async function metricValue(worker: WorkerService, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${worker.url}metrics`)).text();
  const line = text.split('\n').find((row) => row.startsWith(`${name}{`) && row.includes(labels));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

async function publishAll(client: MqttClient, device: string, sequences: number[]): Promise<void> {
  await Promise.all(sequences.map((seq) => client.publishAsync(`mote/v1/${device}/telemetry/syscount`, Buffer.from(envelope(device, seq)), { qos: 1 })));
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('ingest workers on a NATS JetStream cluster', () => {
  let cluster: NatsCluster;
  let victoria: VictoriaProcess;
  let database: VictoriaClient;
  let worker: WorkerService;
  let device: MqttClient;

  beforeAll(async () => {
    [cluster, victoria] = await Promise.all([NatsCluster.launch(3), VictoriaProcess.launch()]);
    database = new VictoriaClient(victoria.url);
    worker = await startWorkerService({ jetstream: { servers: cluster.natsUrls, replicas: 3 }, brokers: [], tls: {}, group: 'test-ingest', database: victoria.url, listen: { host: '127.0.0.1', port: 0 }, metricsIntervalMs: 1000, log: (line) => workerLog.push(line) });
    device = await mqtt.connectAsync(cluster.mqttUrls[1]!, { clientId: 'jetstream-device', protocolVersion: 4 });
  }, 60_000);
  afterAll(async () => {
    await device?.endAsync();
    await worker?.stop();
    await Promise.all([cluster?.stop(), victoria?.stop()]);
  });

  it('stores every record the broker acknowledged, once, even when sent twice', async () => {
    await publishAll(device, 'js-1', range(0, 300));
    await waitFor(async () => (await storedSequences(database, victoria, 'js-1')).length === 300, 'the 300 records in the database', 30_000);
    await publishAll(device, 'js-1', range(100, 110)); // a device resending after a reconnect
    await waitFor(async () => (await metricValue(worker, 'mote_ingest_messages_total', 'outcome="duplicate"')) === 10, 'the 10 resent records settled as duplicates', 30_000);
    expect(await storedSequences(database, victoria, 'js-1')).toEqual(range(0, 300));
    const counted = await database.query(`count_over_time(${SEQUENCE_METRIC}{device="js-1"}[1h])`);
    expect(counted.map((sample) => sample.value)).toEqual([300]);
  });

  it('acknowledges nothing while the database is away, then fills it from the backlog', async () => {
    // Stopped, not crashed: a single VictoriaMetrics node acknowledges writes before they reach
    // its disk, so its crash loses its last seconds (the README's fleet section says so).
    await victoria.kill('SIGTERM');
    await publishAll(device, 'js-2', range(0, 200));
    await waitFor(async () => (await metricValue(worker, 'mote_ingest_write_failures_total', 'retryable="true"')) > 0, 'a failed write', 20_000);
    const nc = await connect({ servers: cluster.natsUrls });
    const pending = await (await nc.jetstreamManager()).consumers.info(TELEMETRY_STREAM, 'test-ingest');
    // Everything of js-2 is either waiting in the stream or held unacknowledged by the worker.
    expect(pending.num_pending + pending.num_ack_pending).toBeGreaterThanOrEqual(200);
    await nc.close();
    await victoria.start();
    await waitFor(async () => (await storedSequences(database, victoria, 'js-2')).length === 200, 'the backlog in the database', 60_000);
    expect(await storedSequences(database, victoria, 'js-2')).toEqual(range(0, 200));
    expect(await storedSequences(database, victoria, 'js-1')).toEqual(range(0, 300));
    expect(workerLog.some((line) => /holding \d+ record\(s\) unacknowledged and retrying with backoff/.test(line))).toBe(true);
  }, 120_000);

  it('parks and counts a poisoned message, and the stream goes on past it', async () => {
    await publishAll(device, 'js-3', range(0, 5));
    await device.publishAsync('mote/v1/js-3/telemetry/syscount', Buffer.from([0xff, 0x00, 0x13]), { qos: 1 });
    await device.publishAsync('mote/v1/js-3/telemetry/syscount', Buffer.from(envelope('someone-else', 99)), { qos: 1 });
    await publishAll(device, 'js-3', range(5, 10));
    await waitFor(async () => (await storedSequences(database, victoria, 'js-3')).length === 10, 'the records around the poison', 30_000);
    expect(await metricValue(worker, 'mote_ingest_parked_total', 'reason="malformed"')).toBe(1);
    expect(await metricValue(worker, 'mote_ingest_parked_total', 'reason="device-id"')).toBe(1);
    const nc = await connect({ servers: cluster.natsUrls });
    const parked = await (await nc.jetstreamManager()).streams.getMessage(PARKED_STREAM, { seq: 1 });
    expect(parked.header.get('Mote-Subject')).toBe('mote.v1.js-3.telemetry.syscount');
    expect(parked.header.get('Mote-Reason')).toMatch(/^malformed: /);
    await nc.close();
  });
});

describe('ingest workers on an MQTT 5 shared subscription (mosquitto)', () => {
  let broker: Mosquitto;
  let victoria: VictoriaProcess;
  const workers: WorkerService[] = [];

  beforeAll(async () => {
    [broker, victoria] = await Promise.all([Mosquitto.start(), VictoriaProcess.launch()]);
    for (const id of ['w1', 'w2']) workers.push(await startWorkerService({ brokers: [broker.url], tls: {}, group: 'shared-test', database: victoria.url, listen: { host: '127.0.0.1', port: 0 }, metricsIntervalMs: 1000, id, log: (line) => workerLog.push(line) }));
  }, 60_000);
  afterAll(async () => {
    for (const worker of workers) await worker.stop();
    await Promise.all([broker?.stop(), victoria?.stop()]);
  });

  it('shares the records between the workers and stores each once', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1000)); // both subscribed
    const device = await mqtt.connectAsync(broker.url, { clientId: 'shared-device', protocolVersion: 4 });
    await publishAll(device, 'mq-1', range(0, 400));
    await device.endAsync();
    const database = new VictoriaClient(victoria.url);
    await waitFor(async () => (await storedSequences(database, victoria, 'mq-1')).length === 400, 'the 400 records in the database', 30_000);
    expect(await storedSequences(database, victoria, 'mq-1')).toEqual(range(0, 400));
    const written = await Promise.all(workers.map((worker) => metricValue(worker, 'mote_ingest_messages_total', 'outcome="written"')));
    expect(written.every((count) => count > 0)).toBe(true);
    expect(written.reduce((a, b) => a + b, 0)).toBe(400);
  });
});
