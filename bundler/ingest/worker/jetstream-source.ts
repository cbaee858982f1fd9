/**
 * Messages from a NATS JetStream durable pull consumer (npm `nats`). Devices publish over MQTT
 * to any node of the cluster; NATS maps `mote/v1/<device>/telemetry/<module>` to the subject
 * `mote.v1.<device>.telemetry.<module>` ('.' inside a level becomes '//'), and the stream
 * `MOTE_TELEMETRY` keeps every such subject, replicated. All workers of one group pull from one
 * durable consumer, so each message goes to one worker, and one a worker never acknowledges goes
 * to another after the ack wait. Parked messages go to `mote.parked.<reason>` in the stream
 * `MOTE_PARKED`, with the original subject and the reason in headers. The worker makes the
 * streams and the consumer when they are missing, and uses them as they are when they exist.
 */
import { AckPolicy, connect, DeliverPolicy, DiscardPolicy, headers, nanos, RetentionPolicy, StorageType, type Consumer, type JsMsg, type NatsConnection } from 'nats';
import { MoteError } from '../../../agent/src/errors.ts';
import { backoffDelayMs } from '../../../agent/src/telemetry/backoff.ts';
import type { MessageSource, SourceMessage } from './message-source.ts';

export const TELEMETRY_STREAM = 'MOTE_TELEMETRY';
export const PARKED_STREAM = 'MOTE_PARKED';
/** The subjects parked messages are published on: `mote.parked.<reason>`. */
export const PARKED_SUBJECTS = 'mote.parked.>';
const TELEMETRY_SUBJECT = 'mote.v1.*.telemetry.*';
/** How long the broker waits for an acknowledgement before it hands the message to another worker. */
const ACK_WAIT_MS = 30_000;

export interface JetStreamOptions {
  servers: string[];
  /** The operator's NATS user and password, when the cluster has an authorization block. */
  credentials?: NatsCredentials;
  /** The durable consumer all workers of the fleet share. */
  group: string;
  /** Copies of each stream (3 on a cluster of 3 or more, 1 on a single server). */
  replicas: number;
  /** How long telemetry may wait for a worker (default 24 h), and how much (default 10 GiB). */
  maxAgeMs?: number;
  maxBytes?: number;
  /** How long to wait for the cluster's JetStream to answer at start (default 60 s). */
  readyTimeoutMs?: number;
  log: (line: string) => void;
}

export interface NatsCredentials {
  user: string;
  pass: string;
}

/** A JetStream API answer that the stream or consumer does not exist (rather than no answer). */
function notFound(error: unknown): boolean {
  return /not found/i.test((error as Error).message);
}

/** The MQTT topic of a NATS subject that NATS made from one. */
export function topicOfSubject(subject: string): string {
  return subject
    .split('.')
    .map((level) => level.replaceAll('//', '.'))
    .join('/');
}

export class JetStreamSource implements MessageSource {
  readonly description: string;

  private constructor(
    private readonly connection: NatsConnection,
    private readonly consumer: Consumer,
    options: JetStreamOptions,
  ) {
    this.description = `JetStream ${TELEMETRY_STREAM} consumer '${options.group}' on ${options.servers.join(',')}`;
  }

  static async open(options: JetStreamOptions): Promise<JetStreamSource> {
    const connection = await connect({ servers: options.servers, ...options.credentials, name: `mote-ingest ${options.group}`, maxReconnectAttempts: -1, reconnectTimeWait: 500, waitOnFirstConnect: true });
    void (async () => {
      for await (const status of connection.status()) {
        if (status.type === 'disconnect' || status.type === 'reconnect') options.log(`JetStream: ${status.type} ${String(status.data)}`);
      }
    })();
    const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
    for (let attempt = 0; ; attempt++) {
      try {
        return new JetStreamSource(connection, await JetStreamSource.prepare(connection, options), options);
      } catch (error) {
        const why = (error as Error).message;
        if (Date.now() > deadline) {
          await connection.close();
          throw new MoteError(`JetStream on ${options.servers.join(',')}: ${why}; check that the cluster runs with JetStream enabled and has elected a leader (nats-server's log says so)`);
        }
        if (attempt === 0) options.log(`JetStream not ready yet (${why}); retrying`);
        await new Promise((resolve) => setTimeout(resolve, backoffDelayMs(attempt, { initialMs: 250, maxMs: 5000 }, Math.random)));
      }
    }
  }

  /** Makes the streams and the durable consumer when they are missing; the consumer to pull from. */
  private static async prepare(connection: NatsConnection, options: JetStreamOptions): Promise<Consumer> {
    const manager = await connection.jetstreamManager();
    const limits = { max_age: nanos(options.maxAgeMs ?? 24 * 3600_000), max_bytes: options.maxBytes ?? 10 * 2 ** 30, discard: DiscardPolicy.Old, num_replicas: options.replicas, storage: StorageType.File, retention: RetentionPolicy.Limits };
    for (const [name, subjects] of [
      [TELEMETRY_STREAM, [TELEMETRY_SUBJECT]],
      [PARKED_STREAM, [PARKED_SUBJECTS]],
    ] as const) {
      try {
        await manager.streams.info(name);
      } catch (error) {
        if (!notFound(error)) throw error;
        await manager.streams.add({ name, subjects: [...subjects], ...limits });
        options.log(`JetStream: made stream ${name} (${subjects.join(', ')}, ${options.replicas} replica(s))`);
      }
    }
    try {
      await manager.consumers.info(TELEMETRY_STREAM, options.group);
    } catch (error) {
      if (!notFound(error)) throw error;
      await manager.consumers.add(TELEMETRY_STREAM, { durable_name: options.group, ack_policy: AckPolicy.Explicit, ack_wait: nanos(ACK_WAIT_MS), deliver_policy: DeliverPolicy.All, max_ack_pending: 100_000 });
    }
    return connection.jetstream().consumers.get(TELEMETRY_STREAM, options.group);
  }

  async next(max: number, waitMs: number): Promise<SourceMessage[]> {
    const out: SourceMessage[] = [];
    try {
      const messages = await this.consumer.fetch({ max_messages: max, expires: Math.max(1000, waitMs) });
      for await (const message of messages) {
        out.push(this.wrap(message));
      }
    } catch {
      // The node went away mid-fetch: what was fetched is returned, the rest comes again.
      if (out.length === 0) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    return out;
  }

  private wrap(message: JsMsg): SourceMessage & { original: JsMsg } {
    return { original: message, topic: topicOfSubject(message.subject), payload: message.data, ack: () => message.ack(), stillWorking: () => message.working() };
  }

  async park(message: SourceMessage, reason: string, detail: string): Promise<void> {
    const original = (message as SourceMessage & { original: JsMsg }).original;
    const head = headers();
    head.set('Mote-Subject', original.subject);
    head.set('Mote-Reason', `${reason}: ${detail}`.slice(0, 1000).replace(/[\r\n]/g, ' '));
    await this.connection.jetstream().publish(`mote.parked.${reason}`, message.payload, { headers: head });
  }

  async close(): Promise<void> {
    await this.connection.drain().catch(() => this.connection.close());
  }
}
