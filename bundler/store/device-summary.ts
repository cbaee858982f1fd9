/**
 * What the API says about a device (bundler/web/API.md): its summary in the fleet table, and the
 * detail of its own page.
 */
import type { ModuleStatus, StatusCounters } from '../../agent/src/telemetry/messages.ts';
import type { OtaResult } from '../../agent/src/ota/messages.ts';

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
  modules: ModuleStatus[];
  counters?: Omit<StatusCounters, 'malformed'>;
  lostRecords: number;
}

export interface StateTransition {
  state: 'online' | 'offline';
  atMs: number;
}

export type OtaHistoryEntry = Omit<OtaResult, 'verifierExcerpt'> & { receivedMs: number };

export interface DeviceDetail extends DeviceSummary {
  transitions: StateTransition[];
  ota: OtaHistoryEntry[];
  lostByModule: Record<string, number>;
}

export interface FleetTotals {
  devices: number;
  online: number;
  offline: number;
  lostRecords: number;
  badInput: number;
}
