/**
 * What a device's status says, as metrics: `mote_device_up` (1 online, 0 offline, the Last Will
 * included), `mote_agent_info` (1, labelled with version, kernel release and architecture) and
 * the agent's own counters. The status carries them cumulative since the agent started, so
 * each is exported as a counter that adds the increase since the device's previous status;
 * when the boot id changes or a value goes down (a restart), the new value counts in full, so
 * the exported counter never goes backwards. The outbox's depth, bytes and oldest record are
 * gauges (the last two only from agents that report them).
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Status, StatusCounters } from '../../agent/src/telemetry/messages.ts';

type CumulativeCounter = Exclude<keyof StatusCounters, 'depth' | 'bytes' | 'oldestMs'>;

const AGENT_COUNTERS: Array<[CumulativeCounter, string, string]> = [
  ['sent', 'mote_agent_sent_total', 'Telemetry messages the agent published.'],
  ['dropped', 'mote_agent_dropped_total', 'Telemetry messages the agent dropped (outbox full or too old).'],
  ['reconnects', 'mote_agent_reconnects_total', 'Times the agent reconnected to its broker.'],
  ['rejected', 'mote_agent_inbound_rejected_total', 'Inbound messages the agent rejected (not a CBOR map, no handler, ...).'],
  ['malformed', 'mote_agent_inbound_malformed_total', 'Inbound bytes that did not parse as MQTT, or packets a client must not receive.'],
  ['cut', 'mote_agent_outbox_cut_tails_total', 'Torn or corrupt outbox log tails the agent cut off when it opened the outbox.'],
];

interface LastCounters {
  bootId: string;
  counters: StatusCounters;
}

export class AgentMetrics {
  private readonly up: Gauge<string>;
  private readonly info: Gauge<string>;
  private readonly outboxDepth: Gauge<string>;
  private readonly outboxBytes: Gauge<string>;
  private readonly outboxOldest: Gauge<string>;
  private readonly counters: Array<[CumulativeCounter, Counter<string>]>;
  private readonly lastCounters = new Map<string, LastCounters>();
  private readonly lastInfo = new Map<string, Record<string, string>>();

  constructor(registry: Registry) {
    const registers = [registry];
    this.up = new Gauge({ name: 'mote_device_up', help: 'Whether the device is online (1) or offline (0), from its status and Last Will.', labelNames: ['device'], registers });
    this.info = new Gauge({ name: 'mote_agent_info', help: 'The agent version, kernel release and architecture a device last reported.', labelNames: ['device', 'version', 'kernel', 'arch'], registers });
    this.counters = AGENT_COUNTERS.map(([field, name, help]) => [field, new Counter({ name, help, labelNames: ['device'], registers })]);
    this.outboxDepth = new Gauge({ name: 'mote_agent_outbox_depth', help: 'Messages waiting in the agent\'s outbox.', labelNames: ['device'], registers });
    this.outboxBytes = new Gauge({ name: 'mote_agent_outbox_bytes', help: 'Bytes the agent\'s outbox takes (on disk for a durable outbox).', labelNames: ['device'], registers });
    this.outboxOldest = new Gauge({ name: 'mote_agent_outbox_oldest_record_timestamp_seconds', help: 'When the oldest record waiting in the agent\'s outbox was made (Unix time); 0 when the outbox is empty.', labelNames: ['device'], registers });
  }

  /** Drops the counter and info state kept for a device (its series go with removeDeviceSeries). */
  forget(device: string): void {
    this.lastCounters.delete(device);
    this.lastInfo.delete(device);
  }

  accept(device: string, status: Status): void {
    this.up.set({ device }, status.state === 'online' ? 1 : 0);
    this.setInfo(device, status);
    if (status.counters) this.addCounters(device, Buffer.from(status.bootId).toString('hex'), status.counters);
  }

  private setInfo(device: string, status: Status): void {
    const labels = { device, version: status.agentVersion, kernel: status.release, arch: status.machine };
    const before = this.lastInfo.get(device);
    if (before && JSON.stringify(before) !== JSON.stringify(labels)) this.info.remove(before);
    this.info.set(labels, 1);
    this.lastInfo.set(device, labels);
  }

  private addCounters(device: string, bootId: string, counters: StatusCounters): void {
    const last = this.lastCounters.get(device);
    const sameBoot = last?.bootId === bootId;
    for (const [field, counter] of this.counters) {
      const now = counters[field] ?? 0;
      const before = sameBoot ? (last.counters[field] ?? 0) : 0;
      counter.inc({ device }, now >= before ? now - before : now);
    }
    this.outboxDepth.set({ device }, counters.depth);
    if (counters.bytes !== undefined) this.outboxBytes.set({ device }, counters.bytes);
    if (counters.oldestMs !== undefined) this.outboxOldest.set({ device }, counters.oldestMs / 1000);
    this.lastCounters.set(device, { bootId, counters });
  }
}
