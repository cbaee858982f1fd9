/**
 * A real Prometheus (Debian's /usr/bin/prometheus) for tests: its own config scraping one
 * target every second, its own storage in a temporary folder, listening on a free loopback
 * port; answers instant PromQL queries through its HTTP API and is stopped with SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort } from './mosquitto.ts';
import { exited, waitFor } from '../../bundler/fixtures/waiting.ts';

export const PROMETHEUS = '/usr/bin/prometheus';

/** Why a real Prometheus cannot run here, or null. */
export function prometheusSkipReason(): string | null {
  return existsSync(PROMETHEUS) ? null : `${PROMETHEUS} is missing: apt-get install prometheus`;
}

export interface QueryResult {
  metric: Record<string, string>;
  value: [number, string];
}

export class PrometheusServer {
  log = '';

  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly url: string,
  ) {
    child.stderr!.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
  }

  /** Scrapes `target` (host:port) at `metricsPath` every second. */
  static async start(target: string, metricsPath = '/metrics'): Promise<PrometheusServer> {
    const dir = mkdtempSync(join(tmpdir(), 'mote-prometheus-'));
    const config = join(dir, 'prometheus.yml');
    writeFileSync(config, [
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      'scrape_configs:',
      `  - { job_name: mote, metrics_path: '${metricsPath}', static_configs: [{ targets: ['${target}'] }] }`,
      '',
    ].join('\n'));
    const listen = `127.0.0.1:${await freeLoopbackPort()}`;
    const child = spawn(PROMETHEUS, [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=${listen}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    const server = new PrometheusServer(child, dir, `http://${listen}`);
    await waitFor(() => /Server is ready to receive web requests/.test(server.log) || child.exitCode !== null, 'prometheus to start', 60_000);
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}:\n${server.log}`);
    return server;
  }

  /** An instant query's vector result (fails on an error status). */
  async query(promql: string): Promise<QueryResult[]> {
    const response = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await response.json()) as { status: string; error?: string; data: { resultType: string; result: QueryResult[] } };
    if (body.status !== 'success') throw new Error(`prometheus refused '${promql}': ${body.error}`);
    return body.data.result;
  }

  /** The scrape targets' health as Prometheus sees it (`up`, last error). */
  async targets(): Promise<Array<{ health: string; lastError: string }>> {
    const body = (await (await fetch(`${this.url}/api/v1/targets`)).json()) as { data: { activeTargets: Array<{ health: string; lastError: string }> } };
    return body.data.activeTargets;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      await exited(this.child);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
