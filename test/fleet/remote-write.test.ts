/**
 * `mote serve --remote-write` into a real Prometheus: Debian's prometheus runs as a remote write
 * receiver with nothing to scrape, mosquitto and the host agent (syscount and runqlat) feed the
 * `mote serve` command, which sends every second. PromQL then finds, from remote write alone,
 * the device up, a syscount counter series and a runqlat `_bucket` series with their labels, and
 * the sender's own count of samples sent; SIGTERM ends `mote serve` cleanly. Skipped, with the
 * reason, without root or without prometheus.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../bundler/paths.ts';
import { AgentProcess } from '../agent/support.ts';
import { rootSkipReason } from '../support/agent.ts';
import { PROMETHEUS, prometheusSkipReason, type QueryResult } from '../support/metrics-prometheus.ts';
import { freeLoopbackPort, Mosquitto } from '../support/mosquitto.ts';
import { exited, waitFor } from '../../bundler/fixtures/waiting.ts';

const skipReason = rootSkipReason() ?? prometheusSkipReason();
if (skipReason) console.log(`remote-write: skipped: ${skipReason}`);

const DEVICE = 'remote-write-test-host';

/** A process of this test with its output so far. */
interface Running {
  child: ChildProcess;
  output: string;
}

function run(command: string, args: string[], cwd?: string): Running {
  const running: Running = { child: spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] }), output: '' };
  const keep = (chunk: Buffer) => (running.output += chunk.toString());
  running.child.stdout!.on('data', keep);
  running.child.stderr!.on('data', keep);
  return running;
}

async function stop(running: Running | undefined): Promise<void> {
  if (!running || running.child.exitCode !== null || running.child.signalCode !== null) return;
  running.child.kill('SIGTERM');
  await exited(running.child);
}

describe.skipIf(skipReason !== null)('mote serve --remote-write into a real Prometheus', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mote-remote-write-'));
  let prometheusUrl = '';
  let prometheus: Running | undefined;
  let broker: Mosquitto | undefined;
  let agent: AgentProcess | undefined;
  let serve: Running | undefined;

  async function query(promql: string): Promise<QueryResult[]> {
    const body = (await (await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(promql)}`)).json()) as { status: string; error?: string; data: { result: QueryResult[] } };
    if (body.status !== 'success') throw new Error(`prometheus refused '${promql}': ${body.error}`);
    return body.data.result;
  }

  beforeAll(async () => {
    writeFileSync(join(dir, 'prometheus.yml'), 'scrape_configs: []\n');
    const listen = `127.0.0.1:${await freeLoopbackPort()}`;
    prometheusUrl = `http://${listen}`;
    prometheus = run(PROMETHEUS, ['--web.enable-remote-write-receiver', `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=${listen}`, `--config.file=${join(dir, 'prometheus.yml')}`]);
    await waitFor(() => /Server is ready to receive web requests/.test(prometheus!.output) || prometheus!.child.exitCode !== null, 'prometheus to start', 60_000);
    if (prometheus.child.exitCode !== null) throw new Error(`prometheus exited with ${prometheus.child.exitCode}:\n${prometheus.output}`);
    broker = await Mosquitto.start();
    agent = AgentProcess.run(['--broker', broker.url, '--device', DEVICE, '--modules', 'syscount,runqlat', '--interval-ms', '500']);
    serve = run('node', ['bundler/cli/mote.mjs', 'serve', '--broker', broker.url, '--listen', '127.0.0.1:0', '--remote-write', `${prometheusUrl}/api/v1/write`, '--remote-write-interval', '1'], repoRoot);
    await waitFor(() => / remote write to \S+ every 1 s/.test(serve!.output) || serve!.child.exitCode !== null, 'mote serve to start', 60_000);
    if (serve.child.exitCode !== null) throw new Error(`mote serve exited with ${serve.child.exitCode}:\n${serve.output}`);
  });

  afterAll(async () => {
    await agent?.kill();
    await stop(serve);
    await broker?.stop();
    await stop(prometheus);
    rmSync(dir, { recursive: true, force: true });
  });

  it('lands the device, its syscount counters and its runqlat histogram in Prometheus', async () => {
    const device = `device="${DEVICE}"`;
    const wanted = [`mote_device_up{${device}} == 1`, `mote_syscount_calls_total{${device}}`, `mote_runqlat_seconds_bucket{${device},le="+Inf"}`, 'mote_remote_write_samples_total > 0'];
    let found: QueryResult[][] = [];
    const deadline = Date.now() + 90_000;
    while (!found.length || found.some((result) => result.length === 0)) {
      if (Date.now() > deadline) throw new Error(`not all of ${wanted.join(', ')} in Prometheus (series found: ${found.map((r) => r.length)}); mote serve said:\n${serve!.output.slice(-2000)}\nthe agent's log ends:\n${agent!.stderr.slice(-2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      found = await Promise.all(wanted.map(query));
    }
    const [up, calls, buckets, sent] = found as [QueryResult[], QueryResult[], QueryResult[], QueryResult[]];
    expect(up).toEqual([{ metric: { __name__: 'mote_device_up', device: DEVICE }, value: [expect.any(Number), '1'] }]);
    for (const { metric } of calls) expect(Object.keys(metric).sort()).toEqual(['__name__', 'comm', 'device', 'syscall']);
    expect(calls.map(({ metric }) => metric.syscall)).toContain('read');
    expect(buckets).toEqual([{ metric: { __name__: 'mote_runqlat_seconds_bucket', device: DEVICE, le: '+Inf' }, value: [expect.any(Number), expect.stringMatching(/^[1-9]\d*$/)] }]);
    expect(sent).toEqual([{ metric: { __name__: 'mote_remote_write_samples_total' }, value: [expect.any(Number), expect.any(String)] }]);
  });

  it('stops cleanly on SIGTERM', async () => {
    await stop(serve);
    expect(serve!.child.exitCode).toBe(0);
    expect(serve!.output).toMatch(/mote serve: stopping\n/);
    expect(serve!.output).not.toMatch(/remote write to .* failed|unsent at shutdown/);
  });
});
