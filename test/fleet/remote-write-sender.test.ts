/**
 * The remote write sender against a real local HTTP server: what it POSTs decodes (snappyjs,
 * then protobufjs) into the registry's values with sorted labels, `__name__` and histogram
 * `_bucket{le}`, `_sum` and `_count` series, with the protocol's headers; a server answering 500
 * and then 204 gets the same batch again after a backoff, and the counters say so; a 400 drops
 * the batch and logs the status and body once; a full queue drops the oldest batch and counts it.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Histogram, Registry } from 'prom-client';
import { uncompress } from 'snappyjs';
import { afterEach, describe, expect, it } from 'vitest';
import { RemoteWriteSender } from '../../bundler/store/remote-write/sender.ts';
import { WriteRequest } from '../../bundler/store/remote-write/write-request.ts';
import { freeLoopbackPort } from '../support/mosquitto.ts';
import { waitUntil } from '../telemetry/harness.ts';

interface Received {
  headers: IncomingMessage['headers'];
  series: Array<{ labels: Array<{ name: string; value: string }>; samples: Array<{ value: number; timestamp: number }> }>;
}

/** A real HTTP server that records every request and answers with the next of `statuses` (the last one repeats). */
async function receiver(statuses: number[]): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const decoded = WriteRequest.toObject(WriteRequest.decode(uncompress(Buffer.concat(chunks))), { longs: Number, defaults: true }) as { timeseries: Received['series'] };
      received.push({ headers: request.headers, series: decoded.timeseries });
      const status = statuses[Math.min(received.length, statuses.length) - 1]!;
      response.writeHead(status).end(status >= 400 ? `status ${status} from the test` : undefined);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/write`, received, server };
}

function fixture(): Registry {
  const registry = new Registry();
  new Counter({ name: 'demo_calls_total', help: 'calls', labelNames: ['syscall', 'device'], registers: [registry] }).inc({ syscall: 'getppid', device: 'd1' }, 7);
  new Histogram({ name: 'demo_seconds', help: 'latency', labelNames: ['device'], buckets: [0.5], registers: [registry] }).observe({ device: 'd1' }, 0.25);
  return registry;
}

/** A sample's value by its labels, `__name__` among them. */
function valueOf(series: Received['series'], labels: Record<string, string>): number | undefined {
  return series.find((s) => JSON.stringify(Object.fromEntries(s.labels.map((l) => [l.name, l.value]))) === JSON.stringify(labels))?.samples[0]?.value;
}

async function counter(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const { values } = await registry.getSingleMetric(name)!.get();
  return values.filter((v) => Object.entries(labels).every(([k, value]) => v.labels[k] === value)).reduce((total, v) => total + v.value, 0);
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function start(url: string, registry: Registry, log: string[], overrides: Partial<ConstructorParameters<typeof RemoteWriteSender>[0]> = {}): RemoteWriteSender {
  const sender = new RemoteWriteSender({ url, intervalMs: 100, registry, log: (line) => log.push(line), backoffMs: { first: 200, max: 400 }, finalPushTimeoutMs: 500, ...overrides });
  cleanups.push(() => sender.stop());
  return sender;
}

function serving(server: Server): void {
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
}

describe('remote write sender', () => {
  it('POSTs the registry as a snappy protobuf WriteRequest with sorted labels', async () => {
    const { url, received, server } = await receiver([204]);
    serving(server);
    const registry = fixture();
    const before = Date.now();
    start(url, registry, []);
    await waitUntil('a first remote write', () => received.length > 0, 5_000);
    const [{ headers, series }] = received as [Received];
    expect(headers).toMatchObject({ 'content-encoding': 'snappy', 'content-type': 'application/x-protobuf', 'x-prometheus-remote-write-version': '0.1.0' });
    for (const { labels, samples } of series) {
      expect(labels.map((l) => l.name)).toEqual(labels.map((l) => l.name).sort());
      expect(samples).toHaveLength(1);
      expect(samples[0]!.timestamp).toBeGreaterThanOrEqual(before);
      expect(samples[0]!.timestamp).toBeLessThanOrEqual(Date.now());
    }
    expect(valueOf(series, { __name__: 'demo_calls_total', device: 'd1', syscall: 'getppid' })).toBe(7);
    expect(valueOf(series, { __name__: 'demo_seconds_bucket', device: 'd1', le: '0.5' })).toBe(1);
    expect(valueOf(series, { __name__: 'demo_seconds_bucket', device: 'd1', le: '+Inf' })).toBe(1);
    expect(valueOf(series, { __name__: 'demo_seconds_sum', device: 'd1' })).toBe(0.25);
    expect(valueOf(series, { __name__: 'demo_seconds_count', device: 'd1' })).toBe(1);
    expect(valueOf(series, { __name__: 'mote_remote_write_samples_total' })).toBe(0);
  });

  it('retries a batch answered 500 after a backoff, then counts it sent', async () => {
    const { url, received, server } = await receiver([500, 204]);
    serving(server);
    const registry = fixture();
    const log: string[] = [];
    const sender = start(url, registry, log, { intervalMs: 150 });
    await waitUntil('a retried batch', () => received.length >= 2, 5_000);
    await sender.stop();
    expect(received[1]!.series).toEqual(received[0]!.series);
    expect(await counter(registry, 'mote_remote_write_failures_total', { reason: 'server' })).toBe(1);
    expect(await counter(registry, 'mote_remote_write_samples_total')).toBe(received.slice(1).reduce((total, r) => total + r.series.length, 0));
    expect(await counter(registry, 'mote_remote_write_dropped_batches_total')).toBe(0);
    expect(log).toEqual([expect.stringMatching(/^remote write to http:\/\/127\.0\.0\.1:\d+\/api\/v1\/write answered 500 status 500 from the test; retrying with backoff, 1 batch\(es\) queued \(check/)]);
  });

  it('drops a batch refused with 400 at once, and logs the status and body once', async () => {
    const { url, received, server } = await receiver([400]);
    serving(server);
    const registry = fixture();
    const log: string[] = [];
    const sender = start(url, registry, log);
    await waitUntil('two refused batches', () => received.length >= 2, 5_000);
    await sender.stop();
    expect(await counter(registry, 'mote_remote_write_failures_total', { reason: 'rejected' })).toBe(received.length);
    expect(await counter(registry, 'mote_remote_write_dropped_batches_total')).toBe(received.length);
    expect(await counter(registry, 'mote_remote_write_samples_total')).toBe(0);
    expect(log).toEqual([expect.stringMatching(/refused a batch of \d+ samples with 400 status 400 from the test; dropped it \(check that the URL is the database's remote write endpoint/)]);
  });

  it('keeps a bounded queue while nothing answers: the oldest batches are dropped and counted', async () => {
    const url = `http://127.0.0.1:${await freeLoopbackPort()}/api/v1/write`;
    const registry = fixture();
    const log: string[] = [];
    const sender = start(url, registry, log, { intervalMs: 50, maxQueuedBatches: 2, backoffMs: { first: 60_000, max: 60_000 }, finalPushTimeoutMs: 200 });
    await waitUntil('dropped batches', () => log.some((line) => line.includes('dropped the oldest')), 5_000);
    await sender.stop();
    expect(await counter(registry, 'mote_remote_write_failures_total', { reason: 'network' })).toBeGreaterThanOrEqual(1);
    expect(await counter(registry, 'mote_remote_write_dropped_batches_total')).toBeGreaterThanOrEqual(1);
    expect(log[0]).toMatch(/^remote write to \S+ failed \(ECONNREFUSED\); retrying with backoff, 1 batch\(es\) queued \(check that the database is up/);
    expect(log.filter((line) => line.includes('dropped the oldest'))).toHaveLength(1);
    expect(log.at(-1)).toMatch(/^remote write: 2 batch\(es\) unsent at shutdown/);
  });
});
