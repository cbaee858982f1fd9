/// <reference lib="dom" />
/**
 * The dashboard's view of `mote serve`'s HTTP API (bundler/web/API.md): the shapes it answers
 * with (the server's own types, imported as types only, so nothing of the server is bundled),
 * and one typed fetch per endpoint. Nothing here renders.
 */

import type { DeviceDetail, DeviceSummary, FleetTotals, OtaHistoryEntry } from '../../store/device-summary.ts';
import type { ModuleHistoryView } from '../../store/module-history.ts';

export type { DeviceDetail, DeviceSummary, ModuleHistoryView };

export interface Fleet {
  totals: FleetTotals;
  devices: DeviceSummary[];
}

/** An OTA answer: in a device's history, or pushed as `ota-result` with the device named. */
export type OtaAnswer = OtaHistoryEntry & { device?: string };

export type EventRow = NonNullable<ModuleHistoryView['rows']>[number];
export type Point = ModuleHistoryView['series'][number]['points'][number];

/** The `record` push: a new record of `module` from `device`. */
export interface RecordPush {
  device: string;
  module: string;
  timeMs: number;
}

async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(path, { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${response.statusText}`);
  return (await response.json()) as T;
}

export const fetchFleet = (): Promise<Fleet> => getJson('/api/fleet');

export const fetchDevice = (device: string): Promise<DeviceDetail> => getJson(`/api/devices/${encodeURIComponent(device)}`);

export const fetchModuleHistory = (device: string, module: string): Promise<ModuleHistoryView> =>
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
