/**
 * A local VictoriaMetrics single node (Debian's /usr/bin/victoria-metrics) on a free loopback
 * port with its data in a temporary folder, for tests, `mote bench fleet` and the fleet scenario.
 * It runs as Mote needs a database to run: identical samples deduplicated
 * (`-dedup.minScrapeInterval=1ms`, what makes at-least-once ingest exactly-once in storage), and
 * the newest samples queryable at once (`-search.latencyOffset=0s`, no response cache).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort, ServerProcess } from '../../broker/server-process.ts';

export const VICTORIA_METRICS = '/usr/bin/victoria-metrics';

/** The flags Mote's ingest relies on; the README's database section lists them too. */
export const VICTORIA_FLAGS = ['-dedup.minScrapeInterval=1ms', '-search.latencyOffset=0s', '-search.disableCache', '-retentionPeriod=100y'];

export class VictoriaProcess extends ServerProcess {
  private constructor(
    port: number,
    private readonly directory: string,
  ) {
    super('VictoriaMetrics', VICTORIA_METRICS, [`-storageDataPath=${join(directory, 'data')}`, `-httpListenAddr=127.0.0.1:${port}`, '-loggerLevel=ERROR', ...VICTORIA_FLAGS], port);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async launch(): Promise<VictoriaProcess> {
    const victoria = new VictoriaProcess(await freeLoopbackPort(), mkdtempSync(join(tmpdir(), 'mote-victoria-')));
    await victoria.start();
    return victoria;
  }

  /** Makes every accepted sample searchable now (VictoriaMetrics buffers for about a second). */
  async flush(): Promise<void> {
    await fetch(`${this.url}/internal/force_flush`);
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.directory, { recursive: true, force: true });
  }
}
