/**
 * `mote serve --ingest-only` as one object, for the CLI command, the fleet scenario and the
 * benchmark: one ingest worker per source (the JetStream consumer of the cluster, or each MQTT 5
 * broker's shared subscription), its own metrics at `/metrics` (and `/healthz`) on `listen`, and
 * the same metrics sent to the database with the worker's id, so parked messages are counted
 * fleet-wide. stop() leaves any batch the database has not accepted unacknowledged, for another
 * worker.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RemoteWriteSender } from '../../store/remote-write/sender.ts';
import { VictoriaClient } from '../../store/victoria/victoria-client.ts';
import type { BrokerTls } from '../broker-subscriptions.ts';
import { defaultWorkerId, IngestWorker } from './ingest-worker.ts';
import { JetStreamSource, type NatsCredentials } from './jetstream-source.ts';
import type { MessageSource } from './message-source.ts';
import { SharedSubscriptionSource } from './shared-subscription-source.ts';
import { WorkerMetrics } from './worker-metrics.ts';

export interface WorkerServiceOptions {
  /** NATS servers of the JetStream cluster; without them, `brokers` with shared subscriptions. */
  jetstream?: { servers: string[]; replicas: number; credentials?: NatsCredentials };
  brokers: string[];
  tls: BrokerTls;
  /** The group the workers share the stream in (JetStream durable name, MQTT share name). */
  group: string;
  database: string;
  listen: { host: string; port: number };
  /** How often the worker's own metrics go to the database. */
  metricsIntervalMs: number;
  id?: string;
  log: (line: string) => void;
}

export interface WorkerService {
  url: string;
  workers: IngestWorker[];
  stop(): Promise<void>;
}

export async function startWorkerService(options: WorkerServiceOptions): Promise<WorkerService> {
  const id = options.id ?? defaultWorkerId();
  const database = new VictoriaClient(options.database);
  const sources: MessageSource[] = options.jetstream
    ? [await JetStreamSource.open({ servers: options.jetstream.servers, credentials: options.jetstream.credentials, group: options.group, replicas: options.jetstream.replicas, log: options.log })]
    : options.brokers.map((url, i) => new SharedSubscriptionSource(url, options.group, `${options.group}-${id}-${i}`, options.tls, options.log));
  const metrics = new WorkerMetrics(id);
  const workers = sources.map((source) => new IngestWorker({ source, database, log: options.log, metrics }));
  for (const worker of workers) worker.start();
  const sender = new RemoteWriteSender({ url: `${database.base}/api/v1/write`, intervalMs: options.metricsIntervalMs, registry: metrics.registry, log: options.log });
  const server = createServer((request, response) => {
    if (request.url === '/healthz') return void response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    if (request.url !== '/metrics') return void response.writeHead(404, { 'content-type': 'text/plain' }).end('an ingest worker serves /metrics and /healthz only; the dashboard is mote serve without --ingest-only\n');
    metrics.registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      (error: Error) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`cannot read the metrics: ${error.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.listen.port, options.listen.host, () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  options.log(`ingest worker ${id}: ${sources.map((source) => source.description).join('; ')} → ${database.base}`);
  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${port}/`,
    workers,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all(workers.map((worker) => worker.stop()));
      await sender.stop();
    },
  };
}
