/**
 * One simulated device: the agent's own Telemetry (envelope codec, per-module sequences from 0,
 * retained online status with the module list, offline Last Will, QoS 1 with DUP resends after
 * a reconnect, backoff with jitter) over a failover transport, fed with recorded records. Each
 * boot has 16 random bytes as its boot id; the envelope's device, boot, sequence, time and
 * window are this device's own, the record and module those of the recorded agent.
 */
import { randomBytes } from 'node:crypto';
import { Outbox, type OutboxEntry, type OutboxMessage } from '../../agent/src/telemetry/outbox.ts';
import type { Clock, Logger, Timers } from '../../agent/src/telemetry/runtime.ts';
import { Telemetry } from '../../agent/src/telemetry/telemetry.ts';
import type { BrokerAddress } from '../../agent/src/telemetry/transports/broker-url.ts';
import type { Corpus, RecordedEnvelope } from './corpus.ts';
import { FailoverTransport } from './failover-transport.ts';
import { DeviceLedger } from './ledger.ts';

const nodeTimers: Timers = {
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Up to 30 days: how long ago a simulated device booted, for its monotonic clock. */
const MAX_UPTIME_MS = 30 * 24 * 3600 * 1000;

export interface DeviceSettings {
  brokers: readonly BrokerAddress[];
  corpus: Corpus;
  outboxCapacity: number;
  keepaliveSeconds: number;
  log: Logger;
}

interface Published {
  module: string;
  seq: number;
  timeMs: number;
}

/** The agent's outbox, telling the device which of its messages the broker acknowledged. */
class LedgerOutbox extends Outbox {
  lastPushed: Uint8Array | undefined;

  constructor(
    capacity: number,
    private readonly onAcknowledged: (entry: OutboxEntry) => void,
  ) {
    super(capacity);
  }

  override push(message: OutboxMessage): void {
    this.lastPushed = message.payload;
    super.push(message);
  }

  override acknowledge(packetId: number): OutboxEntry | undefined {
    const entry = super.acknowledge(packetId);
    if (entry) this.onAcknowledged(entry);
    return entry;
  }
}

export interface DeviceCounters {
  published: number;
  acknowledged: number;
  /** Dropped by the outbox bound while the broker was away. */
  dropped: number;
  /** In the outbox (in flight or queued) now. */
  pending: number;
  disconnects: number;
  reconnects: number;
  failovers: number;
}

export class SimDevice {
  readonly bootId: Uint8Array = randomBytes(16);
  readonly ledger: DeviceLedger;
  private readonly telemetry: Telemetry;
  private readonly transport: FailoverTransport;
  private readonly outbox: LedgerOutbox;
  private readonly clock: Clock;
  private readonly sent = new WeakMap<Uint8Array, Published>();
  private readonly modules: Array<[string, RecordedEnvelope[]]>;
  private readonly cursors: number[];
  private nextModule: number;
  private pinnedTimeMs: number | undefined;
  private published = 0;
  private acknowledged = 0;
  private disconnects = 0;

  constructor(
    readonly id: string,
    index: number,
    private readonly settings: DeviceSettings,
  ) {
    const { corpus } = settings;
    this.ledger = new DeviceLedger(id, Buffer.from(this.bootId).toString('hex'));
    this.modules = [...corpus.byModule];
    this.cursors = this.modules.map(() => 0);
    this.nextModule = index % this.modules.length;
    this.transport = new FailoverTransport(settings.brokers, index);
    this.outbox = new LedgerOutbox(settings.outboxCapacity, (entry) => this.onAcknowledged(entry));
    const bootedAt = performance.now() - Math.random() * MAX_UPTIME_MS;
    const clock: Clock = {
      monotonicMs: () => performance.now() - bootedAt,
      realtimeMs: () => this.pinnedTimeMs ?? Date.now(),
    };
    const { agentVersion, release, machine } = corpus.status;
    this.telemetry = new Telemetry({
      deviceId: id, bootId: this.bootId, agentVersion, release, machine,
      transport: this.transport, outbox: this.outbox, timers: nodeTimers, clock, random: Math.random, log: settings.log,
      qos: 1, protocolVersion: 4, keepaliveSeconds: settings.keepaliveSeconds,
    });
    this.clock = clock;
  }

  start(): void {
    this.telemetry.start();
    this.telemetry.setModules(this.settings.corpus.status.modules ?? []);
  }

  get connected(): boolean {
    return this.telemetry.session.connected;
  }

  /** Publishes the next recorded record, modules in turn, each module's records in turn. */
  publishNext(): void {
    const slot = this.nextModule;
    this.nextModule = (slot + 1) % this.modules.length;
    const [module, envelopes] = this.modules[slot]!;
    const recorded = envelopes[this.cursors[slot]!]!.envelope;
    this.cursors[slot] = (this.cursors[slot]! + 1) % envelopes.length;
    const timeMs = Date.now();
    const { lengthMs } = recorded.window;
    this.pinnedTimeMs = timeMs;
    const seq = this.telemetry.publish(module, recorded.moduleVersion, { startMs: this.clock.monotonicMs() - lengthMs, lengthMs }, recorded.record);
    this.pinnedTimeMs = undefined;
    this.sent.set(this.outbox.lastPushed!, { module, seq, timeMs });
    this.published++;
  }

  /** Drops the connection abruptly; the session reconnects after its backoff. */
  disconnect(): void {
    if (!this.connected) return;
    this.disconnects++;
    this.transport.kill();
  }

  /**
   * Dies as a device that loses power: the connection drops without DISCONNECT (the broker
   * publishes the Last Will) and what was not acknowledged is gone with this boot.
   */
  async crash(): Promise<void> {
    this.transport.kill();
    while (this.connected) await new Promise((resolve) => setImmediate(resolve));
    await this.telemetry.stop();
  }

  /** Publishes offline with the final counters and disconnects cleanly, as the agent does on SIGTERM. */
  stop(): Promise<void> {
    return this.telemetry.stop();
  }

  counters(): DeviceCounters {
    const { reconnects } = this.telemetry.session.stats;
    return {
      published: this.published,
      acknowledged: this.acknowledged,
      dropped: this.outbox.dropped,
      pending: this.outbox.depth,
      disconnects: this.disconnects,
      reconnects,
      failovers: this.transport.failovers,
    };
  }

  private onAcknowledged(entry: OutboxEntry): void {
    const published = this.sent.get(entry.payload);
    if (!published) return;
    this.acknowledged++;
    this.ledger.acknowledged(published.module, published.seq, published.timeMs);
  }
}
