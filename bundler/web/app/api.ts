/// <reference lib="dom" />
/**
 * The dashboard's view of `mote serve`'s HTTP API (bundler/web/API.md): the shapes it answers
 * with, and one typed fetch per endpoint. Nothing here renders.
 */

export interface ModuleState {
  name: string;
  version: string;
  variant?: string;
  /** Why the module is not running; absent when it runs. */
  error?: string;
}

export interface AgentCounters {
  sent: number;
  dropped: number;
  reconnects: number;
  depth: number;
  rejected?: number;
  malformed?: number;
}

export interface DeviceSummary {
  device: string;
  online: boolean;
  sinceMs: number;
  firstSeenMs: number;
  lastSeenMs: number;
  bootId: string;
  boots: number;
  agentVersion: string;
  kernel: string;
  arch: string;
  modules: ModuleState[];
  counters?: AgentCounters;
  lostRecords: number;
}

export interface FleetTotals {
  devices: number;
  online: number;
  offline: number;
  lostRecords: number;
  badInput: number;
}

export interface Fleet {
  totals: FleetTotals;
  devices: DeviceSummary[];
}

export interface OtaAnswer {
  /** Absent in a device's own history, where the device is implied. */
  device?: string;
  receivedMs: number;
  requestId: string;
  module: string;
  outcome: string;
  reason?: string;
  message: string;
  version?: string;
  verifierExcerpt?: string[];
}

export interface DeviceDetail extends DeviceSummary {
  /** Oldest first. */
  transitions: Array<{ state: 'online' | 'offline'; atMs: number }>;
  /** Newest first. */
  ota: OtaAnswer[];
  lostByModule: Record<string, number>;
}

/** The `record` push: a new record of `module` from `device`. */
export interface RecordPush {
  device: string;
  module: string;
  timeMs: number;
}

export type Point = [timeMs: number, value: number];

export interface ModuleHistory {
  module: string;
  kind: 'counter' | 'gauge' | 'histogram' | 'top' | 'events';
  unit?: string;
  /** Counters: rates per second per key. Histograms: `_count` over time. Events: rows per record. */
  series: Array<{ label: string; points: Point[] }>;
  /** Histograms: the latest record's distribution (each bucket's own count, not cumulative). */
  buckets?: Array<{ le: number | '+Inf'; count: number }>;
  /** Events: the column names and the newest rows (newest last). */
  fields?: string[];
  rows?: EventRow[];
}

export interface EventRow {
  timeMs: number;
  values: Array<number | string | boolean | null>;
}

async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(path, { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${response.statusText}`);
  return (await response.json()) as T;
}

export const fetchFleet = (): Promise<Fleet> => getJson('/api/fleet');

export const fetchDevice = (device: string): Promise<DeviceDetail> => getJson(`/api/devices/${encodeURIComponent(device)}`);

export const fetchModuleHistory = (device: string, module: string): Promise<ModuleHistory> =>
  getJson(`/api/devices/${encodeURIComponent(device)}/modules/${encodeURIComponent(module)}/history`);

export const fetchAuth = (): Promise<{ writable: boolean }> => getJson('/api/auth');

/** What the server said to an OTA upload: its status and its (JSON or text) body. */
export interface OtaPublishReply {
  status: number;
  body: unknown;
}

export async function publishPackage(bytes: ArrayBuffer, devices: string[] | 'all', token: string): Promise<OtaPublishReply> {
  const query = devices === 'all' ? 'all=1' : `devices=${devices.map(encodeURIComponent).join(',')}`;
  const response = await fetch(`/api/ota?${query}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
    body: bytes,
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // a plain-text answer stays text
  }
  return { status: response.status, body };
}
