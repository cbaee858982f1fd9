/**
 * An ingest worker (`mote serve --ingest-only`): pulls batches of telemetry from a shared source,
 * decodes them as the single-process ingest does, writes their samples to the time-series
 * database in one request, and acknowledges the batch only once the database accepted it. So:
 * - a database that is away stops the acknowledgements, and the worker holds its batch and
 *   retries with backoff (telling the broker it still works on it); nothing is lost, and the
 *   broker keeps the rest as backlog, delivered when the database is back;
 * - a worker that dies loses nothing: the broker hands its unacknowledged messages to another;
 * - a message that cannot be used (not a Mote topic, bad CBOR, a device id that lies) is parked
 *   and counted, and never blocks the stream; so is a record the database refuses as such;
 * - a record already stored (a redelivery) is acknowledged without writing it again; one written
 *   twice anyway (two workers, a restart) is kept once by the database (store/victoria).
 */
import { hostname } from 'node:os';
import { backoffDelayMs, type BackoffOptions } from '../../../agent/src/telemetry/backoff.ts';
import type { TimeSeries } from '../../store/remote-write/write-request.ts';
import { recordSeries } from '../../store/victoria/record-series.ts';
import { DatabaseError, type VictoriaClient } from '../../store/victoria/victoria-client.ts';
import { ThrottledLog } from '../throttled-log.ts';
import { BadInput, decodePayload, deviceTopic } from '../decode-message.ts';
import { CommittedSequences } from './committed-sequences.ts';
import type { MessageSource, SourceMessage } from './message-source.ts';
import { WorkerMetrics, type MessageOutcome } from './worker-metrics.ts';

export interface IngestWorkerOptions {
  source: MessageSource;
  database: VictoriaClient;
  log: (line: string) => void;
  /** Messages per database write (default 2000). */
  batchSize?: number;
  /** How long a batch waits to fill (default 200 ms). */
  batchWaitMs?: number;
  /** Streams (device and module) whose stored sequence numbers are remembered (default 1,000,000). */
  maxStreams?: number;
  /** Where it counts; shared by the workers of one process (default its own). */
  metrics?: WorkerMetrics;
}

interface Pending {
  message: SourceMessage;
  /** Stream, boot and sequence of a record to write; absent for a message settled without writing. */
  record?: { stream: string; boot: string; sequence: number; series: TimeSeries[] };
  outcome: MessageOutcome;
}

const RETRY: BackoffOptions = { initialMs: 500, maxMs: 10_000 };

export function defaultWorkerId(): string {
  return `${hostname()}-${process.pid}`;
}

export class IngestWorker {
  readonly metrics: WorkerMetrics;
  private readonly committed: CommittedSequences;
  private readonly warnings: ThrottledLog;
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;

  constructor(private readonly options: IngestWorkerOptions) {
    this.metrics = options.metrics ?? new WorkerMetrics(defaultWorkerId());
    this.committed = new CommittedSequences(options.maxStreams ?? 1_000_000);
    this.warnings = new ThrottledLog(options.log);
  }

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  /** Stops pulling; a batch the database has not accepted stays unacknowledged, for another worker. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    await this.options.source.close();
  }

  private async run(): Promise<void> {
    const { source } = this.options;
    while (this.running) {
      const batch = await source.next(this.options.batchSize ?? 2000, this.options.batchWaitMs ?? 200);
      if (batch.length > 0) await this.handle(batch);
    }
  }

  /** Decodes, parks, writes and acknowledges one batch, in the order it came. */
  private async handle(batch: SourceMessage[]): Promise<void> {
    const pending: Pending[] = [];
    for (const message of batch) pending.push(await this.triage(message));
    this.metrics.unacknowledged.set(pending.length);
    const toWrite = pending.filter((entry) => entry.record !== undefined);
    if (toWrite.length > 0 && !(await this.write(toWrite))) return; // stopping: leave the batch unacknowledged
    for (const entry of pending) {
      if (entry.record) this.committed.add(entry.record.stream, entry.record.boot, entry.record.sequence);
      entry.message.ack();
      this.metrics.messages.inc({ outcome: entry.outcome });
    }
    this.metrics.unacknowledged.set(0);
  }

  private async triage(message: SourceMessage): Promise<Pending> {
    try {
      const topic = deviceTopic(message.topic);
      if (message.payload.length === 0) return { message, outcome: 'ignored' };
      const decoded = decodePayload(topic, message.payload);
      if (decoded.kind !== 'telemetry') return { message, outcome: 'ignored' };
      const { envelope } = decoded;
      const stream = `${envelope.deviceId}\0${envelope.module}`;
      const boot = Buffer.from(envelope.bootId).toString('hex');
      if (this.committed.has(stream, boot, envelope.sequence)) return { message, outcome: 'duplicate' };
      return { message, outcome: 'written', record: { stream, boot, sequence: envelope.sequence, series: recordSeries(envelope) } };
    } catch (error) {
      if (error instanceof BadInput) await this.park(message, error.reason, error.message);
      else await this.park(message, 'internal', `${(error as Error).message}; this is a bug in mote serve: please report it with this line`);
      return { message, outcome: 'parked' };
    }
  }

  /** Parks a message; while the broker cannot take it, retries (the message stays unacknowledged). */
  private async park(message: SourceMessage, reason: string, detail: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.options.source.park(message, reason, detail);
        this.metrics.parked.inc({ reason });
        this.warnings.note(`parked ${reason}`, (held) => `parked a message on ${message.topic.slice(0, 120)}: ${reason}: ${detail.slice(0, 200)}${held ? ` (${held} more since the last line)` : ''}; parked messages are kept by the broker for inspection`, Date.now());
        return;
      } catch (error) {
        this.warnings.note('park failed', () => `cannot park a message on ${message.topic.slice(0, 120)} (${(error as Error).message}); retrying, the message stays unacknowledged`, Date.now());
        await this.pause(backoffDelayMs(attempt, RETRY, Math.random));
        if (!this.running) return;
      }
    }
  }

  /**
   * Writes the batch's samples; retries what may succeed later until it does (false if the
   * worker is stopping first). A batch the database refuses as such is written record by record,
   * and the records it refuses are parked.
   */
  private async write(entries: Pending[]): Promise<boolean> {
    const written = await this.writeRetrying(entries.flatMap((entry) => entry.record!.series), entries);
    if (written !== 'refused') return written;
    for (const entry of entries) {
      const one = await this.writeRetrying(entry.record!.series, [entry]);
      if (one === false) return false;
      if (one === 'refused') {
        await this.park(entry.message, 'refused', 'the database refused its samples');
        entry.record = undefined;
        entry.outcome = 'parked';
      }
    }
    return true;
  }

  /** true once written; 'refused' if the database refuses them as such; false if stopping first. */
  private async writeRetrying(series: TimeSeries[], holding: Pending[]): Promise<true | false | 'refused'> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.options.database.write(series);
        return true;
      } catch (error) {
        if (!(error instanceof DatabaseError)) throw error;
        this.metrics.writeFailures.inc({ retryable: String(error.retryable) });
        if (!error.retryable) {
          this.warnings.note('refused', () => `${error.message}; writing the batch record by record and parking what it refuses`, Date.now());
          return 'refused';
        }
        this.warnings.note('database', (held) => `${error.message}; holding ${holding.length} record(s) unacknowledged and retrying with backoff${held ? ` (${held} more failures since the last line)` : ''}`, Date.now());
        for (const entry of holding) entry.message.stillWorking();
        await this.pause(backoffDelayMs(attempt, RETRY, Math.random));
        if (!this.running) return false;
      }
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
