/**
 * `npm run test:fleet`: Mote past one machine, all on loopback. A 3-node NATS cluster (JetStream
 * and MQTT on each node), VictoriaMetrics, two ingest workers (`mote serve --ingest-only`, real
 * processes sharing one JetStream durable consumer), FLEET_DEVICES simulated devices
 * (`mote fleet-sim`'s engine: recorded envelopes, real boot ids, status and Last Will, random
 * disconnects, failover across the nodes) and the real host agent. Mid-run one broker node and one
 * worker are SIGKILLed, and a few poisoned messages are published. At the end every record the
 * brokers acknowledged must be in the database (`lost` counts those that are not), the poison is
 * parked and counted, and a dashboard (`mote serve --database`) shows the simulated fleet and the
 * real agent in headless Chromium. Its last line is the scenario's summary.
 */
import { join } from 'node:path';
import mqtt from 'mqtt';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetSim } from '../../bundler/fleet-sim/fleet.ts';
import { recordKey } from '../../bundler/fleet-sim/ledger.ts';
import type { FleetSimReport } from '../../bundler/fleet-sim/fleet.ts';
import { NatsCluster } from '../../bundler/broker/nats-cluster.ts';
import { freeLoopbackPort, ServerProcess } from '../../bundler/broker/server-process.ts';
import { LatencyProbe, quantile } from '../../bundler/fixtures/fleet-probe.ts';
import { repoRoot } from '../../bundler/paths.ts';
import { SEQUENCE_METRIC } from '../../bundler/store/victoria/record-series.ts';
import { VictoriaClient } from '../../bundler/store/victoria/victoria-client.ts';
import { VictoriaProcess } from '../../bundler/store/victoria/victoria-process.ts';
import { startFleetService, type FleetService } from '../../bundler/web/fleet-service.ts';
import { AgentProcess } from '../agent/support.ts';
import { rootSkipReason } from '../support/agent.ts';
import { launchChromium, type HeadlessChromium } from '../support/browser.ts';

const FLEET_DEVICES = Number(process.env.MOTE_FLEET_DEVICES ?? 1000);
const RUN_SECONDS = Number(process.env.MOTE_FLEET_SECONDS ?? 60);
const RATE_HZ = Number(process.env.MOTE_FLEET_RATE ?? 0.2);
const POISONED = 5;
const AGENT = 'fleet-host-agent';
const skip = rootSkipReason();
if (skip) console.log(`fleet: skipped: ${skip}`);

let cluster: NatsCluster;
let victoria: VictoriaProcess;
let database: VictoriaClient;
const workers: ServerProcess[] = [];
let agent: AgentProcess;
let report: FleetSimReport;
let probe: LatencyProbe;

async function startWorker(): Promise<ServerProcess> {
  const port = await freeLoopbackPort();
  const args = [join(repoRoot, 'bundler', 'cli', 'mote.mjs'), 'serve', '--ingest-only', '--database', victoria.url, ...cluster.natsUrls.flatMap((url) => ['--jetstream', url]), '--listen', `127.0.0.1:${port}`, '--remote-write-interval', '2'];
  const worker = new ServerProcess(`ingest worker ${workers.length + 1}`, process.execPath, args, port);
  await worker.start(60_000);
  workers.push(worker);
  return worker;
}

/** Every (device, boot, module, seq) the database holds, by recordKey. */
async function storedKeys(): Promise<Set<string>> {
  await victoria.flush();
  const keys = new Set<string>();
  for (const series of await database.export(SEQUENCE_METRIC)) {
    const { device, boot, module } = series.metric;
    for (const value of series.values) keys.add(recordKey(device!, boot!, module!, value));
  }
  return keys;
}

beforeAll(async () => {
  if (skip) return;
  [cluster, victoria] = await Promise.all([NatsCluster.launch(3), VictoriaProcess.launch()]);
  database = new VictoriaClient(victoria.url, 120_000);
  await startWorker();
  await startWorker();
}, 180_000);

afterAll(async () => {
  await agent?.kill();
  for (const worker of workers) await worker.kill();
  await Promise.all([cluster?.stop(), victoria?.stop()]);
});

describe.skipIf(skip !== null)('the fleet on a broker cluster, ingest workers and VictoriaMetrics', () => {
  it(`loses nothing the brokers acknowledged from ${FLEET_DEVICES} simulated devices and a real agent, with a broker node and a worker killed`, async () => {
    const [n1, , n3] = cluster.nodes;
    agent = AgentProcess.run([...cluster.mqttUrls.slice(1).flatMap((url) => ['--broker', url]), '--device', AGENT, '--interval-ms', '1000']);
    probe = await LatencyProbe.connect(n3!.mqttUrl, database);
    probe.start(500);
    const sim = new FleetSim({ brokers: cluster.mqttUrls, devices: FLEET_DEVICES, rate: RATE_HZ, disconnectRate: 0.005, drainSeconds: 60, onProgress: (p) => console.log(`fleet-sim: ${Math.round(p.elapsedMs / 1000)} s, ${p.devicesConnected}/${p.devicesStarted} connected, ${p.totals.published} published, ${p.totals.acknowledged} acknowledged, cpu ${Math.round(p.cpuPercent)}%`) });
    sim.start();
    await new Promise((resolve) => setTimeout(resolve, (RUN_SECONDS / 3) * 1000));
    console.log(`fleet: SIGKILL broker node ${n1!.name}`);
    await n1!.process.kill('SIGKILL');
    const poisoner = await mqtt.connectAsync(n3!.mqttUrl, { clientId: 'poisoner', protocolVersion: 4 });
    for (let i = 0; i < POISONED; i++) await poisoner.publishAsync(`mote/v1/poisoner/telemetry/m${i}`, Buffer.from([0xbf, 0xff, i]), { qos: 1 });
    await poisoner.endAsync();
    await new Promise((resolve) => setTimeout(resolve, (RUN_SECONDS / 6) * 1000));
    console.log('fleet: SIGKILL ingest worker 1');
    await workers[0]!.kill('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, (RUN_SECONDS / 2) * 1000));
    report = await sim.stop();
    await probe.stop();
    const acknowledged = new Set<string>();
    for (const stream of report.acknowledged) for (const seq of stream.seqs) acknowledged.add(recordKey(stream.device, stream.bootId, stream.module, seq));
    // The survivors drain the backlog: wait until every acknowledged record is stored, or it stops growing.
    let stored = await storedKeys();
    let missing = [...acknowledged].filter((key) => !stored.has(key));
    for (let stalled = 0; missing.length > 0 && stalled < 30; ) {
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const before = missing.length;
      stored = await storedKeys();
      missing = missing.filter((key) => !stored.has(key));
      stalled = missing.length < before ? 0 : stalled + 1;
    }
    const agentKeys = [...stored].filter((key) => key.startsWith(`${AGENT}/`));
    const agentGaps = agentStreamGaps(agentKeys);
    const parked = await database.query('sum(max_over_time(mote_ingest_parked_total[10m]))');
    const lost = missing.length + agentGaps;
    const published = report.totals.published + agentKeys.length;
    const ingested = [...stored].filter((key) => !key.startsWith(`${probe.device}/`)).length;
    const p99 = quantile(probe.latenciesMs, 0.99);
    console.log(`fleet: acknowledged ${acknowledged.size} of ${report.totals.published} simulated records (${report.totals.dropped} dropped by full outboxes, ${report.totals.failovers} failovers, ${report.totals.disconnects} disconnects); real agent ${agentKeys.length} records, ${agentGaps} gaps; latency p50 ${quantile(probe.latenciesMs, 0.5)} ms over ${probe.latenciesMs.length} probes; parked ${parked[0]?.value ?? 0}`);
    if (missing.length > 0) console.log(`fleet: missing, first 10: ${missing.slice(0, 10).join(', ')}`);
    expect(acknowledged.size).toBeGreaterThan(FLEET_DEVICES * RUN_SECONDS * RATE_HZ * 0.5);
    expect(agentKeys.length).toBeGreaterThan(RUN_SECONDS);
    expect(parked[0]?.value).toBe(POISONED);
    expect(lost).toBe(0);
    console.log(`fleet: ${FLEET_DEVICES + 1} devices, ${cluster.nodes.length} broker nodes, ${workers.length} workers, ${published} published, ${ingested} ingested, ${lost} lost, p99 latency ${p99} ms`);
  }, 900_000);

  it('shows the simulated fleet and the real agent on a dashboard that reads the database, in Chromium', async () => {
    let dashboard: FleetService | undefined;
    let chromium: HeadlessChromium | undefined;
    try {
      dashboard = await startFleetService({ brokers: cluster.mqttUrls.slice(1), tls: {}, listen: { host: '127.0.0.1', port: 0 }, token: null, historyMinutes: 15, seriesCap: 50, maxSeries: 100_000, maxDevices: 100_000, database: victoria.url, log: (line) => console.log(`dashboard: ${line}`) });
      chromium = await launchChromium();
      const page: Page = await chromium.context.newPage();
      await page.goto(dashboard.url);
      await expect.poll(async () => Number((await page.locator('[data-total=devices] dd').textContent({ timeout: 60_000 }))?.replace(/\D/g, '')), { timeout: 120_000 }).toBeGreaterThanOrEqual(FLEET_DEVICES + 1);
      await expect.poll(() => page.locator(`#fleet-table tbody tr[data-device="sim-00001"]`).count(), { timeout: 30_000 }).toBe(1);
      await expect.poll(() => page.locator(`#fleet-table tbody tr[data-device="${AGENT}"] .state`).textContent(), { timeout: 30_000 }).toMatch(/^online/);
      await page.goto(`${dashboard.url}#/device/${AGENT}`);
      const chart = page.locator('.module-chart[data-module="syscount"]');
      await expect.poll(async () => Number(await chart.getAttribute('data-points')), { timeout: 60_000 }).toBeGreaterThan(0);
      await page.screenshot({ path: join(repoRoot, 'build', 'screenshots', 'fleet-database.png'), fullPage: true });
    } finally {
      await chromium?.close();
      await dashboard?.stop();
    }
  }, 300_000);
});

/** Sequence numbers missing inside each of the real agent's (boot, module) runs in the database. */
function agentStreamGaps(keys: string[]): number {
  const runs = new Map<string, number[]>();
  for (const key of keys) {
    const at = key.lastIndexOf('/');
    const stream = key.slice(0, at);
    runs.set(stream, [...(runs.get(stream) ?? []), Number(key.slice(at + 1))]);
  }
  let gaps = 0;
  for (const seqs of runs.values()) gaps += Math.max(...seqs) - Math.min(...seqs) + 1 - seqs.length;
  return gaps;
}
