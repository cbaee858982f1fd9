/**
 * `mote serve --remote-write URL`: every interval, the registry's current values become one or
 * more remote write batches (at most MAX_SERIES_PER_REQUEST series each) in a bounded queue, and
 * one loop POSTs them in order. 5xx, 429 and network errors retry the batch with exponential
 * backoff and jitter; any other 4xx drops it. Past the bound the oldest waiting batch is dropped.
 * Nothing here waits on ingest or makes ingest wait. Sent samples, failed requests and dropped
 * batches are counted in the registry itself; each kind of failure is logged at most once a
 * minute. stop() makes one final push with a short timeout.
 */
import { Counter, type Registry } from 'prom-client';
import { ThrottledLog } from '../../ingest/throttled-log.ts';
import { registrySeries } from './registry-series.ts';
import { encodeWriteRequest, REMOTE_WRITE_HEADERS } from './write-request.ts';

const MAX_SERIES_PER_REQUEST = 5_000;
const BODY_IN_LOG = 300;

export interface RemoteWriteOptions {
  url: string;
  intervalMs: number;
  /** Read every interval; the sender's own counters go into it too. */
  registry: Registry;
  log: (line: string) => void;
  /** Batches kept while the database cannot take them (default 100). */
  maxQueuedBatches?: number;
  /** The first retry's delay and the longest (defaults 500 ms and 30 s), each jittered down to half. */
  backoffMs?: { first: number; max: number };
  requestTimeoutMs?: number;
  finalPushTimeoutMs?: number;
}

interface Batch {
  body: Uint8Array<ArrayBuffer>;
  samples: number;
}

type Outcome = 'sent' | 'dropped' | 'retry' | 'halted';
type FailureKind = 'network' | 'server' | 'rejected' | 'queue full' | 'collect';

const HALTED = new Error('mote serve is stopping');

export class RemoteWriteSender {
  private readonly queue: Batch[] = [];
  private readonly timer: NodeJS.Timeout;
  private readonly halt = new AbortController();
  private readonly warnings: ThrottledLog;
  private readonly sent: Counter<string>;
  private readonly failures: Counter<string>;
  private readonly dropped: Counter<string>;
  private readonly maxQueued: number;
  private readonly backoff: { first: number; max: number };
  private sending: Batch | null = null;
  private stopping = false;
  private draining: Promise<void> | null = null;
  private endPause: (() => void) | null = null;

  constructor(private readonly options: RemoteWriteOptions) {
    this.warnings = new ThrottledLog(options.log);
    this.maxQueued = options.maxQueuedBatches ?? 100;
    this.backoff = options.backoffMs ?? { first: 500, max: 30_000 };
    const registers = [options.registry];
    this.sent = new Counter({ name: 'mote_remote_write_samples_total', help: 'Samples the remote write database accepted.', registers });
    this.failures = new Counter({ name: 'mote_remote_write_failures_total', help: 'Remote write requests that failed, by reason (network, server: 5xx or 429, rejected: other 4xx).', labelNames: ['reason'], registers });
    this.dropped = new Counter({ name: 'mote_remote_write_dropped_batches_total', help: 'Remote write batches given up: refused with a 4xx, or the oldest when the queue was full.', registers });
    this.timer = setInterval(() => {
      this.collect().then(
        () => this.drain(),
        (error: Error) => this.warn('collect', `remote write: cannot read the metrics (${error.message}); this is a bug, run with --debug and report it`),
      );
    }, options.intervalMs);
  }

  /**
   * Stops collecting, lets a request on the wire finish, then pushes the current values and
   * whatever is queued once; all within the final push timeout.
   */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    const deadline = AbortSignal.timeout(this.options.finalPushTimeoutMs ?? 3_000);
    deadline.addEventListener('abort', () => this.halt.abort(HALTED));
    this.stopping = true;
    this.endPause?.();
    await this.draining;
    await this.collect();
    while (this.queue.length > 0 && !deadline.aborted) {
      if ((await this.post(this.queue[0]!, deadline)) === 'retry') break;
      this.queue.shift();
    }
    if (this.queue.length > 0) this.options.log(`remote write: ${this.queue.length} batch(es) unsent at shutdown; their samples are lost (check that ${this.options.url} is up)`);
  }

  private async collect(): Promise<void> {
    const series = registrySeries(await this.options.registry.getMetricsAsJSON(), Date.now());
    for (let start = 0; start < series.length; start += MAX_SERIES_PER_REQUEST) {
      const chunk = series.slice(start, start + MAX_SERIES_PER_REQUEST);
      this.enqueue({ body: encodeWriteRequest(chunk), samples: chunk.length });
    }
  }

  private enqueue(batch: Batch): void {
    this.queue.push(batch);
    while (this.queue.length > this.maxQueued) {
      this.queue.splice(this.queue[0] === this.sending ? 1 : 0, 1);
      this.dropped.inc();
      this.warn('queue full', `remote write: ${this.maxQueued} batches wait unsent; dropped the oldest (check that ${this.options.url} is up and keeps up)`);
    }
  }

  private drain(): void {
    this.draining ??= this.sendQueued().finally(() => (this.draining = null));
  }

  private async sendQueued(): Promise<void> {
    let retries = 0;
    while (this.queue.length > 0 && !this.stopping) {
      const timeout = AbortSignal.timeout(this.options.requestTimeoutMs ?? 10_000);
      const outcome = await this.post(this.queue[0]!, AbortSignal.any([timeout, this.halt.signal]));
      if (outcome === 'halted') return;
      if (outcome === 'retry') {
        await this.pause(Math.min(this.backoff.max, this.backoff.first * 2 ** retries++));
        continue;
      }
      retries = 0;
      this.queue.shift();
    }
  }

  /** POSTs one batch; the batch stays first in the queue while it is on the wire. */
  private async post(batch: Batch, signal: AbortSignal): Promise<Outcome> {
    const { url } = this.options;
    this.sending = batch;
    try {
      const response = await fetch(url, { method: 'POST', headers: REMOTE_WRITE_HEADERS, body: batch.body, signal });
      const body = (await response.text()).trim().slice(0, BODY_IN_LOG);
      if (response.ok) {
        this.sent.inc(batch.samples);
        return 'sent';
      }
      if (response.status >= 500 || response.status === 429) {
        this.failures.inc({ reason: 'server' });
        this.warn('server', `remote write to ${url} answered ${response.status} ${body}; retrying with backoff, ${this.queue.length} batch(es) queued (check the database's health and limits)`);
        return 'retry';
      }
      this.failures.inc({ reason: 'rejected' });
      this.dropped.inc();
      this.warn('rejected', `remote write to ${url} refused a batch of ${batch.samples} samples with ${response.status} ${body}; dropped it (check that the URL is the database's remote write endpoint, such as /api/v1/write, and that it takes remote write 1.0)`);
      return 'dropped';
    } catch (error) {
      if (signal.reason === HALTED) return 'halted';
      this.failures.inc({ reason: 'network' });
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const why = (error as Error).name === 'TimeoutError' ? 'no answer in time' : (cause?.code ?? cause?.message ?? (error as Error).message);
      this.warn('network', `remote write to ${url} failed (${why}); retrying with backoff, ${this.queue.length} batch(es) queued (check that the database is up and reachable from here)`);
      return 'retry';
    } finally {
      this.sending = null;
    }
  }

  /** Waits `ms` jittered down to half, or until stop(). */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms / 2 + (Math.random() * ms) / 2);
      this.endPause = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Logs a failure at most once a minute per kind. */
  private warn(kind: FailureKind, line: string): void {
    this.warnings.note(kind, () => line, Date.now());
  }
}
