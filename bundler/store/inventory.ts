/**
 * The device inventory: for every device, online or offline (from its retained status and its
 * Last Will), first and last seen, boot id and how many boots, agent version, kernel, arch, its
 * modules with version and variant or why they do not run, the agent's counters, its status
 * transitions and recent OTA results. Online and offline come from statuses only (a record
 * in flight when the Last Will fires must not bring a device back). Built from fleet events only; bounded in devices (least
 * recently seen forgotten first), transitions and OTA results per device.
 */
import { BoundedMap } from '../ingest/bounded-map.ts';
import type { FleetEvent, FleetEventSink } from '../ingest/fleet-events.ts';
import type { Status } from '../../agent/src/telemetry/messages.ts';
import type { DeviceDetail, DeviceSummary, FleetTotals, OtaHistoryEntry, StateTransition } from './device-summary.ts';

const MAX_TRANSITIONS = 100;
const MAX_OTA_RESULTS = 20;
/** Boot ids remembered per device, so that records of an old boot arriving late do not count as boots. */
const REMEMBERED_BOOTS = 4;

interface DeviceRecord {
  summary: DeviceSummary;
  transitions: StateTransition[];
  ota: OtaHistoryEntry[];
  lostByModule: Map<string, number>;
  recentBoots: string[];
  /** Modules seen sending records but not (yet) listed by a status. */
  moduleVersionsFromRecords: Map<string, string>;
}

function pushBounded<T>(list: T[], item: T, max: number, newestFirst = false): void {
  if (newestFirst) list.unshift(item);
  else list.push(item);
  if (list.length > max) newestFirst ? list.pop() : list.shift();
}

export class Inventory implements FleetEventSink {
  private readonly devices: BoundedMap<string, DeviceRecord>;
  private badInput = 0;

  constructor(
    maxDevices: number,
    /** Called with the device id whenever its summary changed. */
    private readonly onChange: (device: string) => void = () => {},
  ) {
    this.devices = new BoundedMap(maxDevices);
  }

  accept(event: FleetEvent): void {
    if (event.kind === 'bad-input') {
      this.badInput++;
      return;
    }
    const record = this.deviceRecord(event.device, event.receivedMs);
    const summary = record.summary;
    summary.lastSeenMs = Math.max(summary.lastSeenMs, event.receivedMs);
    if (event.kind === 'status') this.applyStatus(record, event.status, event.receivedMs);
    else if (event.kind === 'telemetry') {
      this.noteBoot(record, Buffer.from(event.envelope.bootId).toString('hex'));
      if (!summary.modules.some((m) => m.name === event.envelope.module)) record.moduleVersionsFromRecords.set(event.envelope.module, event.envelope.moduleVersion);
    } else if (event.kind === 'lost') {
      summary.lostRecords += event.count;
      record.lostByModule.set(event.module, (record.lostByModule.get(event.module) ?? 0) + event.count);
    } else if (event.kind === 'ota-result') {
      const { verifierExcerpt: _excerpt, ...result } = event.result;
      pushBounded(record.ota, { receivedMs: event.receivedMs, ...result }, MAX_OTA_RESULTS, true);
    }
    this.onChange(event.device);
  }

  has(device: string): boolean {
    return this.devices.peek(device) !== undefined;
  }

  /** The machine (`uname -m`) the device last reported, '' if none yet. */
  arch(device: string): string {
    return this.devices.peek(device)?.summary.arch ?? '';
  }

  summary(device: string): DeviceSummary | undefined {
    const record = this.devices.peek(device);
    return record && this.withRecordModules(record);
  }

  detail(device: string): DeviceDetail | undefined {
    const record = this.devices.peek(device);
    if (!record) return undefined;
    return { ...this.withRecordModules(record), transitions: [...record.transitions], ota: [...record.ota], lostByModule: Object.fromEntries(record.lostByModule) };
  }

  /** Every device, sorted by id. */
  summaries(): DeviceSummary[] {
    return [...this.devices.values()].map((record) => this.withRecordModules(record)).sort((a, b) => (a.device < b.device ? -1 : 1));
  }

  totals(): FleetTotals {
    let online = 0;
    let lostRecords = 0;
    for (const { summary } of this.devices.values()) {
      if (summary.online) online++;
      lostRecords += summary.lostRecords;
    }
    return { devices: this.devices.size, online, offline: this.devices.size - online, lostRecords, badInput: this.badInput };
  }

  private withRecordModules(record: DeviceRecord): DeviceSummary {
    const extra = [...record.moduleVersionsFromRecords].map(([name, version]) => ({ name, version }));
    return { ...record.summary, modules: [...record.summary.modules, ...extra] };
  }

  private deviceRecord(device: string, nowMs: number): DeviceRecord {
    let record = this.devices.get(device);
    if (!record) {
      const summary: DeviceSummary = { device, online: false, sinceMs: nowMs, firstSeenMs: nowMs, lastSeenMs: nowMs, bootId: '', boots: 0, agentVersion: '', kernel: '', arch: '', modules: [], lostRecords: 0 };
      record = { summary, transitions: [], ota: [], lostByModule: new Map(), recentBoots: [], moduleVersionsFromRecords: new Map() };
      this.devices.set(device, record);
    }
    return record;
  }

  private noteBoot(record: DeviceRecord, bootId: string): void {
    if (record.recentBoots.includes(bootId)) return;
    pushBounded(record.recentBoots, bootId, REMEMBERED_BOOTS);
    record.summary.boots++;
    record.summary.bootId = bootId;
  }

  private transition(record: DeviceRecord, state: 'online' | 'offline', atMs: number): void {
    record.summary.online = state === 'online';
    record.summary.sinceMs = atMs;
    pushBounded(record.transitions, { state, atMs }, MAX_TRANSITIONS);
  }

  private applyStatus(record: DeviceRecord, status: Status, nowMs: number): void {
    const summary = record.summary;
    this.noteBoot(record, Buffer.from(status.bootId).toString('hex'));
    summary.agentVersion = status.agentVersion;
    summary.kernel = status.release;
    summary.arch = status.machine;
    const online = status.state === 'online';
    if (online !== summary.online || record.transitions.length === 0) this.transition(record, status.state, nowMs);
    if (status.modules) {
      summary.modules = status.modules.map((m) => ({ ...m }));
      for (const m of status.modules) record.moduleVersionsFromRecords.delete(m.name);
    }
    if (status.counters) {
      const { malformed: _malformed, ...counters } = status.counters;
      summary.counters = counters;
    }
  }
}
