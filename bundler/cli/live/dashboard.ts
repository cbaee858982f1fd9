/**
 * The live view of `npm start`: what the devices said last, kept as state and drawn as text.
 * It knows no module by name: counters show their busiest keys per second (as named rows when
 * the module's manifest names its key fields, syscall numbers named for the device's
 * architecture), events their newest rows across windows, histograms and the rest as
 * `mote watch` draws them. Pure: messages in, lines out.
 */
import type { SyscallArch } from '../../build/syscall-tables.ts';
import type { Envelope, Status } from '../../../agent/src/telemetry/messages.ts';
import { syscallArchOf } from '../../syscalls/syscall-names.ts';
import { cell, key, namedCounterLines, recordLines, table } from '../watch/render.ts';
import { type EventRow } from '../../../agent/src/sample/decode/records.ts';

const COUNTER_ROWS = 8;
const EVENT_ROWS = 6;
const OTHER_ROWS = 14;

interface ModuleView {
  latest: Envelope;
  records: number;
  /** Newest first, across windows, for event records. */
  recentEvents: { fields: string[]; rows: EventRow[] };
  dropped: number;
}

interface DeviceView {
  status: Status | null;
  modules: Map<string, ModuleView>;
}

export class Dashboard {
  private readonly devices = new Map<string, DeviceView>();
  private messages = 0;

  private device(id: string): DeviceView {
    let view = this.devices.get(id);
    if (!view) this.devices.set(id, (view = { status: null, modules: new Map() }));
    return view;
  }

  onStatus(status: Status): void {
    this.messages++;
    this.device(status.deviceId).status = status;
  }

  onTelemetry(envelope: Envelope): void {
    this.messages++;
    const device = this.device(envelope.deviceId);
    const previous = device.modules.get(envelope.module);
    const view: ModuleView = previous ?? { latest: envelope, records: 0, recentEvents: { fields: [], rows: [] }, dropped: 0 };
    view.latest = envelope;
    view.records++;
    if (envelope.record.kind === 'events') {
      view.recentEvents = { fields: envelope.record.fields, rows: [...[...envelope.record.rows].reverse(), ...view.recentEvents.rows].slice(0, EVENT_ROWS) };
      view.dropped += envelope.record.dropped;
    }
    device.modules.set(envelope.module, view);
  }

  get messageCount(): number {
    return this.messages;
  }

  render(header: string): string[] {
    const lines = [header, ''];
    if (this.devices.size === 0) lines.push('waiting for the first message from a device...');
    for (const [id, device] of this.devices) {
      const s = device.status;
      lines.push(s ? `${id}: ${s.state.toUpperCase()}  agent ${s.agentVersion}  Linux ${s.release} ${s.machine}` : `${id}: (no status yet)`);
      if (s?.counters) lines.push(`  records sent ${s.counters.sent}, dropped ${s.counters.dropped}, reconnects ${s.counters.reconnects}, outbox ${s.counters.depth}`);
      for (const m of s?.modules ?? []) lines.push(`  module ${m.name} ${m.version}: ${m.error === undefined ? 'running' : `FAILED: ${m.error}`}`);
      const arch = s ? syscallArchOf(s.machine) : null;
      for (const [name, view] of [...device.modules].sort(([a], [b]) => a.localeCompare(b))) lines.push('', ...moduleLines(name, view, arch));
      lines.push('');
    }
    return lines;
  }
}

function moduleLines(name: string, view: ModuleView, arch: SyscallArch | null): string[] {
  const { latest } = view;
  const seconds = Math.max(latest.window.lengthMs, 1) / 1000;
  const title = `[${name} ${latest.moduleVersion}] seq ${latest.sequence}, window ${latest.window.lengthMs} ms, ${view.records} records`;
  const record = latest.record;
  if (record.kind === 'counter') {
    const named = namedCounterLines(name, record, seconds, arch, COUNTER_ROWS);
    if (named) return [title, ...named];
    const busiest = [...record.deltas].sort((a, b) => b[1] - a[1]).slice(0, COUNTER_ROWS);
    if (busiest.length === 0) return [title, '  (no change in this window)'];
    return [title, ...table([['key', 'per s', 'in window'], ...busiest.map(([k, v]) => [key(k), (v / seconds).toFixed(1), String(v)])])];
  }
  if (record.kind === 'events') {
    const events = view.recentEvents;
    if (events.rows.length === 0) return [title, '  (no events yet)'];
    const body = table([events.fields, ...events.rows.map((row) => row.values.map(cell))]);
    return [title, ...body, ...(view.dropped > 0 ? [`  (${view.dropped} events dropped so far)`] : [])];
  }
  return [title, ...recordLines(record).slice(0, OTHER_ROWS)];
}
