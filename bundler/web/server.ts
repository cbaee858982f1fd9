/**
 * The HTTP server of `mote serve` (node:http): the JSON API, Server-Sent Events, OTA upload,
 * `/metrics` and the dashboard's static files. bundler/web/API.md describes every route.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { BrokerSubscriptions } from '../ingest/broker-subscriptions.ts';
import type { ModuleHistoryView } from '../store/module-history.ts';
import type { Inventory } from '../store/inventory.ts';
import { HttpError } from './http-error.ts';
import type { LiveEvents } from './live-events.ts';
import { checkToken, MAX_PACKAGE_BYTES, publishPackage, targetDevices } from './ota-upload.ts';
import { dashboardAssets } from './dashboard-assets.ts';

/** What `/metrics` serves: the metrics engineer's FleetMetrics. */
export interface MetricsSource {
  contentType: string;
  metrics(): Promise<string>;
}

/** The history of a device's module: in memory, or read back from the database. */
export interface HistorySource {
  view(device: string, module: string): ModuleHistoryView | undefined | Promise<ModuleHistoryView | undefined>;
}

export interface ServerParts {
  inventory: Inventory;
  history: HistorySource;
  live: LiveEvents;
  brokers: BrokerSubscriptions;
  metrics: MetricsSource;
  /** The bearer token for changes; null makes the server read-only. */
  token: string | null;
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  response.end(JSON.stringify(body));
}

async function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, `the package is larger than ${limit} bytes; no module package is that large`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function route(parts: ServerParts, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://mote');
  const path = url.pathname;
  const method = request.method ?? 'GET';
  if (method === 'POST' && path === '/api/ota') {
    checkToken(request, parts.token);
    const devices = targetDevices(url, parts.inventory);
    const requestIds = await publishPackage(await readBody(request, MAX_PACKAGE_BYTES), devices, parts.brokers);
    return sendJson(response, 202, { requestIds });
  }
  if (method !== 'GET' && method !== 'HEAD') {
    if (path.startsWith('/api/')) checkToken(request, parts.token);
    throw new HttpError(405, `${method} ${path} is not a route; see bundler/web/API.md`);
  }
  if (path === '/healthz') return sendJson(response, 200, { ok: true });
  if (path === '/api/auth') return sendJson(response, 200, { writable: parts.token !== null });
  if (path === '/api/fleet') return sendJson(response, 200, { totals: parts.inventory.totals(), devices: parts.inventory.summaries() });
  if (path === '/api/events') return parts.live.open(response);
  if (path === '/metrics') {
    const text = await parts.metrics.metrics();
    response.writeHead(200, { 'content-type': parts.metrics.contentType });
    return void response.end(text);
  }
  const deviceRoute = /^\/api\/devices\/([^/]+)(?:\/modules\/([^/]+)\/history)?$/.exec(path);
  if (deviceRoute) {
    const device = decodeURIComponent(deviceRoute[1]!);
    const detail = parts.inventory.detail(device);
    if (!detail) throw new HttpError(404, `no device '${device}' has been seen; GET /api/fleet lists the devices`);
    if (deviceRoute[2] === undefined) return sendJson(response, 200, detail);
    const module = decodeURIComponent(deviceRoute[2]);
    const history = await parts.history.view(device, module);
    if (!history) throw new HttpError(404, `device '${device}' has sent no record of module '${module}' in the kept history; its modules are in GET /api/devices/${encodeURIComponent(device)}`);
    return sendJson(response, 200, history);
  }
  if (path.startsWith('/api/')) throw new HttpError(404, `${path} is not an API route; see bundler/web/API.md`);
  const file = (await dashboardAssets()).get(path);
  if (!file) throw new HttpError(404, `no file ${path}; the dashboard is at /`);
  response.writeHead(200, { 'content-type': file.type });
  response.end(method === 'HEAD' ? undefined : file.bytes);
}

export function createFleetServer(parts: ServerParts, log: (line: string) => void): Server {
  return createServer((request, response) => {
    route(parts, request, response).catch((error: unknown) => {
      if (response.headersSent) return void response.destroy();
      if (error instanceof HttpError) return sendJson(response, error.status, { error: error.message });
      log(`${request.method} ${request.url}: ${(error as Error).stack ?? error}`);
      sendJson(response, 500, { error: `internal error (${(error as Error).message}); the server's log has the trace` });
    });
  });
}
