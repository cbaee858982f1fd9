/**
 * Live pushes for the dashboard over Server-Sent Events (`GET /api/events`): `fleet` with a
 * device's summary when it changed, `record` when a device's module sent a new record, and
 * `ota-result` with a device's answer. Changes are gathered and sent every FLUSH_MS (well within
 * the second the dashboard promises), one `fleet` per changed device and one `record` per
 * changed module, so a busy fleet cannot make a client fall behind without bound.
 */
import type { ServerResponse } from 'node:http';
import type { FleetEvent, FleetEventSink } from '../ingest/fleet-events.ts';
import type { Inventory } from '../store/inventory.ts';

const FLUSH_MS = 200;
const PING_MS = 15_000;
/** A client whose socket buffers more than this is too slow: it is disconnected (and may reconnect). */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

export class LiveEvents implements FleetEventSink {
  private readonly clients = new Set<ServerResponse>();
  private readonly changedDevices = new Set<string>();
  private readonly newRecords = new Map<string, { device: string; module: string; timeMs: number }>();
  private pending: string[] = [];
  private readonly flushTimer: NodeJS.Timeout;
  private readonly pingTimer: NodeJS.Timeout;

  constructor(private readonly inventory: Inventory) {
    this.flushTimer = setInterval(() => this.flush(), FLUSH_MS);
    this.pingTimer = setInterval(() => this.broadcast(': ping\n\n'), PING_MS);
  }

  accept(event: FleetEvent): void {
    if (event.kind === 'bad-input') return;
    this.changedDevices.add(event.device);
    if (event.kind === 'telemetry') {
      this.recordArrived(event.device, event.envelope.module, event.receivedMs);
    } else if (event.kind === 'ota-result') {
      const { verifierExcerpt: _excerpt, ...result } = event.result;
      this.pending.push(message('ota-result', { device: event.device, receivedMs: event.receivedMs, ...result }));
    }
  }

  /** Pushes `record` for a device's module: from ingest, or from the database when it is the store. */
  recordArrived(device: string, module: string, timeMs: number): void {
    this.changedDevices.add(device);
    this.newRecords.set(`${device}\u0000${module}`, { device, module, timeMs });
  }

  /** Starts a stream: headers, then one `fleet` event per known device. */
  open(response: ServerResponse): void {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    response.write(this.inventory.summaries().map((summary) => message('fleet', summary)).join(''));
    this.clients.add(response);
    response.once('close', () => this.clients.delete(response));
  }

  close(): void {
    clearInterval(this.flushTimer);
    clearInterval(this.pingTimer);
    for (const client of this.clients) client.end();
    this.clients.clear();
  }

  private flush(): void {
    const out = this.pending;
    this.pending = [];
    for (const device of this.changedDevices) {
      const summary = this.inventory.summary(device);
      if (summary) out.push(message('fleet', summary));
    }
    for (const record of this.newRecords.values()) out.push(message('record', record));
    this.changedDevices.clear();
    this.newRecords.clear();
    if (out.length > 0) this.broadcast(out.join(''));
  }

  private broadcast(text: string): void {
    for (const client of this.clients) {
      if (client.writableLength > MAX_BUFFERED_BYTES) client.destroy();
      else client.write(text);
    }
  }
}

function message(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
