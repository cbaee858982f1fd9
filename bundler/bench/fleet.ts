/**
 * `mote bench fleet`: the fleet at scale on this machine, every part real and on loopback (a
 * 3-node NATS cluster with JetStream and MQTT, VictoriaMetrics, ingest worker processes):
 * - ingest throughput with 1 and 2 workers: a backlog of records replayed from the recorded agent
 *   corpus waits in JetStream, and the workers drain it into the database; records per second,
 *   and records per CPU-second of a worker (the per-core figure of the capacity plan);
 * - the reference, in the same run: this process writing the same records' samples straight into
 *   VictoriaMetrics, with no broker and no decoding (what the database alone takes);
 * - the brokers: simulated devices publishing at QoS 1 over MQTT; acknowledged records per second
 *   and per CPU-second of the cluster's nats-server processes;
 * - latency from publish to queryable, p50 and p99, while the simulated fleet publishes.
 */
import { join } from 'node:path';
import { connect } from 'nats';
import { encodeEnvelope } from '../../agent/src/telemetry/codec.ts';
import { NatsCluster } from '../broker/nats-cluster.ts';
import { freeLoopbackPort, ServerProcess } from '../broker/server-process.ts';
import { FleetSim } from '../fleet-sim/fleet.ts';
import { readCorpus } from '../fleet-sim/corpus.ts';
import { LatencyProbe, quantile } from '../fixtures/fleet-probe.ts';
import { TELEMETRY_STREAM } from '../ingest/worker/jetstream-source.ts';
import { repoRoot } from '../paths.ts';
import { recordSeries } from '../store/victoria/record-series.ts';
import { VictoriaClient } from '../store/victoria/victoria-client.ts';
import { VictoriaProcess } from '../store/victoria/victoria-process.ts';
import { cpuSeconds } from './fleet-cpu.ts';

const DEVICES = 200;
const RECORDS_PER_DEVICE = 50;
const SIM_DEVICES = 1000;
const SIM_RATE_HZ = 0.2;
const SIM_SECONDS = 30;
const GROUP = 'bench-ingest';

const corpus = [...readCorpus().byModule.values()].flat().map((recorded) => recorded.envelope);
const bootId = crypto.getRandomValues(new Uint8Array(16));
const envelopeOf = (device: string, n: number) => ({ ...corpus[n % corpus.length]!, deviceId: device, bootId, sequence: n, timeMs: Date.now() - 3_600_000 + n * 10 });
const samplesPerRecord = corpus.reduce((sum, envelope) => sum + recordSeries(envelope).length, 0) / corpus.length;

const [cluster, victoria] = await Promise.all([NatsCluster.launch(3), VictoriaProcess.launch()]);
const running: ServerProcess[] = [];
// Whatever happens, the servers this benchmark started stop with it.
process.on('exit', () => {
  for (const server of [...running, ...cluster.nodes.map((node) => node.process), victoria]) if (server.pid !== undefined) process.kill(server.pid, 'SIGKILL');
});
const database = new VictoriaClient(victoria.url, 60_000);

async function startWorker(): Promise<ServerProcess> {
  const port = await freeLoopbackPort();
  const worker = new ServerProcess('ingest worker', process.execPath, [join(repoRoot, 'bundler', 'cli', 'mote.mjs'), 'serve', '--ingest-only', '--database', victoria.url, ...cluster.natsUrls.flatMap((url) => ['--jetstream', url]), '--group', GROUP, '--listen', `127.0.0.1:${port}`], port);
  await worker.start(60_000);
  running.push(worker);
  return worker;
}

/** Publishes one record into JetStream, as a device's MQTT message lands there; a retry is deduplicated by its id. */
async function publishRecord(device: string, n: number): Promise<void> {
  const envelope = envelopeOf(device, n);
  for (let attempt = 0; ; attempt++) {
    try {
      await jetstream.publish(`mote.v1.${device}.telemetry.${envelope.module}`, encodeEnvelope(envelope), { msgID: `${device}/${n}`, timeout: 30_000 });
      return;
    } catch (error) {
      if (attempt >= 5) throw error;
    }
  }
}

/** Publishes `DEVICES × RECORDS_PER_DEVICE` records into JetStream, 100 at a time. */
async function backlog(prefix: string): Promise<number> {
  const PARALLEL = 100;
  for (let n = 0; n < RECORDS_PER_DEVICE; n++) {
    for (let first = 0; first < DEVICES; first += PARALLEL) {
      await Promise.all(Array.from({ length: Math.min(PARALLEL, DEVICES - first) }, (_, i) => publishRecord(`${prefix}-${first + i}`, n)));
    }
  }
  return DEVICES * RECORDS_PER_DEVICE;
}

async function drained(): Promise<void> {
  for (;;) {
    const info = await manager.consumers.info(TELEMETRY_STREAM, GROUP).catch(() => null);
    if (info && info.num_pending === 0 && info.num_ack_pending === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Drains a fresh backlog with `count` workers: records/s and records per worker CPU-second. */
async function ingestWith(count: number): Promise<{ perSecond: number; perCpuSecond: number }> {
  const records = await backlog(`w${count}`);
  const workers: ServerProcess[] = [];
  for (let i = 0; i < count; i++) workers.push(await startWorker());
  const cpuBefore = workers.map((worker) => cpuSeconds(worker.pid));
  const started = performance.now();
  await drained();
  const seconds = (performance.now() - started) / 1000;
  const cpu = workers.reduce((sum, worker, i) => sum + cpuSeconds(worker.pid) - cpuBefore[i]!, 0);
  for (const worker of workers) await worker.kill();
  return { perSecond: records / seconds, perCpuSecond: records / cpu };
}

// The first worker waits for the cluster's JetStream and makes the streams and the consumer.
await (await startWorker()).kill();
const nats = await connect({ servers: cluster.natsUrls });
const jetstream = nats.jetstream();
const manager = await nats.jetstreamManager();

// The reference: the same kind of records' samples written straight into the database.
const reference = await (async () => {
  const batches = [];
  for (let n = 0; n < RECORDS_PER_DEVICE; n++) batches.push(Array.from({ length: DEVICES }, (_, d) => recordSeries(envelopeOf(`ref-${d}`, n))).flat());
  const started = performance.now();
  const cpuBefore = cpuSeconds(victoria.pid);
  for (const batch of batches) await database.write(batch);
  return { perSecond: (DEVICES * RECORDS_PER_DEVICE) / ((performance.now() - started) / 1000), databaseCpu: cpuSeconds(victoria.pid) - cpuBefore };
})();
const one = await ingestWith(1);
const two = await ingestWith(2);

// The brokers and the latency, with a simulated fleet publishing over MQTT and two workers ingesting.
const workers = [await startWorker(), await startWorker()];
const probe = await LatencyProbe.connect(cluster.mqttUrls[0]!, database);
const natsCpuBefore = cluster.nodes.map((node) => cpuSeconds(node.process.pid));
const sim = new FleetSim({ brokers: cluster.mqttUrls, devices: SIM_DEVICES, rate: SIM_RATE_HZ, drainSeconds: 30 });
sim.start();
await new Promise((resolve) => setTimeout(resolve, 5000));
probe.start(250);
await new Promise((resolve) => setTimeout(resolve, SIM_SECONDS * 1000));
await probe.stop();
const simReport = await sim.stop();
const natsCpu = cluster.nodes.reduce((sum, node, i) => sum + cpuSeconds(node.process.pid) - natsCpuBefore[i]!, 0);
const acknowledgedPerSecond = simReport.totals.acknowledged / (simReport.elapsedMs / 1000);
for (const worker of workers) await worker.kill();
await nats.close();
await Promise.all([cluster.stop(), victoria.stop()]);

const round = (value: number) => Math.round(value).toLocaleString('en');
console.log(`records: replayed from the recorded agent corpus, ${samplesPerRecord.toFixed(1)} samples each on average`);
console.log(`reference, straight into VictoriaMetrics: ${round(reference.perSecond)} records/s (${round((DEVICES * RECORDS_PER_DEVICE) / Math.max(reference.databaseCpu, 0.01))} records per database CPU-second)`);
console.log(`ingest, 1 worker:  ${round(one.perSecond)} records/s, ${round(one.perCpuSecond)} per worker CPU-second; ${(one.perSecond / reference.perSecond).toFixed(2)}× the reference`);
console.log(`ingest, 2 workers: ${round(two.perSecond)} records/s, ${round(two.perCpuSecond)} per worker CPU-second; ${(two.perSecond / one.perSecond).toFixed(2)}× one worker`);
console.log(`brokers, MQTT QoS 1 from ${SIM_DEVICES} simulated devices: ${round(acknowledgedPerSecond)} acknowledged records/s, ${round(simReport.totals.acknowledged / Math.max(natsCpu, 0.01))} per nats-server CPU-second (3 nodes)`);
console.log(`latency, publish to queryable, over ${probe.latenciesMs.length} probes under that load: p50 ${quantile(probe.latenciesMs, 0.5)} ms, p99 ${quantile(probe.latenciesMs, 0.99)} ms`);
console.log(`this machine: ${(await import('node:os')).cpus().length} cores shared by all of it; figures per CPU-second are what the capacity plan scales`);
