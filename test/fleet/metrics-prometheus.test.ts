/**
 * A real Prometheus scrapes `mote serve`: mosquitto, the host agent running syscount, the
 * `mote serve` command subscribed to the broker, and Debian's prometheus scraping its /metrics
 * every second. While a helper keeps making getppid calls, PromQL's
 * `rate(mote_syscount_calls_total{syscall="getppid",comm=<helper>}[1m])` answers with a positive rate for the
 * device. Skipped, with the reason, without root or without prometheus.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { basename } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { triggerBinary } from '../../bundler/fixtures/kernel-fixtures.ts';
import { repoRoot } from '../../bundler/paths.ts';
import { AgentProcess } from '../agent/support.ts';
import { rootSkipReason } from '../support/agent.ts';
import { PrometheusServer, prometheusSkipReason, type QueryResult } from '../support/metrics-prometheus.ts';
import { startTrigger } from '../support/module-sampling.ts';
import { Mosquitto } from '../support/mosquitto.ts';
import { exited, waitFor } from '../../bundler/fixtures/waiting.ts';

const skipReason = rootSkipReason() ?? prometheusSkipReason();
if (skipReason) console.log(`metrics-prometheus: skipped: ${skipReason}`);

const DEVICE = 'prometheus-test-host';
const CALLS_PER_ROUND = 200;
const TASK_COMM_LENGTH = 15;
/** Every process on this shared machine is a syscount series: room for all, so the helper's is never folded into `other`. */
const SERIES_CAP = 100_000;
const HELPER_COMM = basename(triggerBinary()).slice(0, TASK_COMM_LENGTH);
const QUERY = `rate(mote_syscount_calls_total{device="${DEVICE}",syscall="getppid",comm="${HELPER_COMM}"}[1m])`;

/** `mote serve` from the checkout on a free port; resolves with its base URL once it listens. */
async function startServe(brokerUrl: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn('node', ['bundler/cli/mote.mjs', 'serve', '--broker', brokerUrl, '--listen', '127.0.0.1:0', '--series-cap', String(SERIES_CAP)], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  await waitFor(() => /dashboard at http:\/\/\S+/.test(out) || child.exitCode !== null, 'mote serve to listen', 60_000);
  const url = /dashboard at (http:\/\/\S+?)\/? /.exec(out)?.[1];
  if (!url) throw new Error(`mote serve did not start:\n${out}`);
  return { child, url };
}

describe.skipIf(skipReason !== null)('a real Prometheus scraping mote serve', () => {
  let broker: Mosquitto;
  let serve: { child: ChildProcess; url: string } | undefined;
  let agent: AgentProcess | undefined;
  let prometheus: PrometheusServer | undefined;

  beforeAll(async () => {
    broker = await Mosquitto.start();
    serve = await startServe(broker.url);
    agent = AgentProcess.run(['--broker', broker.url, '--device', DEVICE, '--modules', 'syscount', '--interval-ms', '500']);
    prometheus = await PrometheusServer.start(new URL(serve.url).host);
  });

  afterAll(async () => {
    await prometheus?.stop();
    await agent?.kill();
    if (serve && serve.child.exitCode === null) {
      serve.child.kill('SIGTERM');
      await exited(serve.child);
    }
    await broker?.stop();
  });

  it('answers rate() over the getppid calls a helper keeps making', async () => {
    let result: QueryResult[] = [];
    const deadline = Date.now() + 90_000;
    while (!result.some((r) => Number(r.value[1]) > 0)) {
      if (Date.now() > deadline) throw new Error(`no positive rate for ${QUERY}; targets: ${JSON.stringify(await prometheus!.targets())}; agent log:\n${agent!.stderr.slice(-2000)}`);
      const helper = await startTrigger(triggerBinary(), { calls: CALLS_PER_ROUND, udpPort: 0, execs: 0, spinMs: 0 });
      await helper.run();
      await new Promise((resolve) => setTimeout(resolve, 1000));
      result = await prometheus!.query(QUERY);
    }
    expect(result).toHaveLength(1);
    expect(result[0]!.metric).toEqual({ device: DEVICE, syscall: 'getppid', comm: HELPER_COMM, job: 'mote', instance: new URL(serve!.url).host });
    expect((await prometheus!.targets()).map((t) => t.health)).toEqual(['up']);
  });
});
