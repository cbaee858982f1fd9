/**
 * Telemetry as the agent's main loop sees it: records in, envelopes out. It numbers records per
 * module, wraps them in the envelope, queues them in the outbox and keeps the MQTT session going.
 * It publishes the retained status on every connection and every `statusIntervalMs`, sets the
 * Last Will to the offline status, and publishes `offline` itself on a clean stop. Inbound
 * messages on the OTA topics must be CBOR maps; anything else is logged and counted.
 */
import { decodePlain } from './cbor.ts';
import { encodeEnvelope, encodeStatus } from './codec.ts';
import { publishHeadroom, withHeadroom } from './publish-frame.ts';
import type { Outbox } from './outbox.ts';
import { SCHEMA_VERSION, type ModuleStatus, type Status, type StatusCounters } from './messages.ts';
import type { Clock, Logger, Random, TimerHandle, Timers } from './runtime.ts';
import { MqttSession, type Message } from './session.ts';
import { checkTopicLevel, otaFilter, statusTopic, telemetryTopic } from './topics.ts';
import type { BackoffOptions } from './backoff.ts';
import type { Transport } from './transport.ts';
import { type SamplingWindow, type TelemetryRecord } from '../sample/decode/records.ts';
import { MoteError } from '../errors.ts';
import { TelemetryDecodeError } from './errors.ts';

export interface TelemetryOptions {
  deviceId: string;
  /** 16 random bytes chosen at agent start; sequences restart with each one. */
  bootId: Uint8Array;
  agentVersion: string;
  release: string;
  machine: string;
  transport: Transport;
  outbox: Outbox;
  timers: Timers;
  clock: Clock;
  random: Random;
  log: Logger;
  /** QoS of telemetry messages. Default 1. */
  qos?: 0 | 1;
  protocolVersion?: 4 | 5;
  keepaliveSeconds?: number;
  backoff?: BackoffOptions;
  username?: string;
  password?: string;
  /** How often the status is republished. Default 60 s. */
  statusIntervalMs?: number;
  /** Called every `statusIntervalMs` and on stop: where a DurableOutbox gets flushed. */
  onPeriodic?(): void;
  /** OTA commands, decoded from CBOR; `path` is the topic below `.../ota/`. May throw to reject. */
  onCommand?(path: string, command: Map<unknown, unknown>): void;
}

export class Telemetry {
  readonly session: MqttSession;
  private readonly sequences = new Map<string, number>();
  private readonly topics = new Map<string, string>();
  private modules: ModuleStatus[] = [];
  private statusTimer: TimerHandle | undefined;

  constructor(private readonly options: TelemetryOptions) {
    checkTopicLevel('device id', options.deviceId);
    const prefix = otaFilter(options.deviceId).slice(0, -1);
    this.session = new MqttSession({
      transport: options.transport,
      timers: options.timers,
      random: options.random,
      log: options.log,
      outbox: options.outbox,
      clientId: `mote-${options.deviceId}`,
      protocolVersion: options.protocolVersion ?? 4,
      keepaliveSeconds: options.keepaliveSeconds ?? 30,
      ...(options.backoff && { backoff: options.backoff }),
      ...(options.username !== undefined && { username: options.username }),
      ...(options.password !== undefined && { password: options.password }),
      will: this.statusMessage(this.status('offline', false)),
      subscriptions: [otaFilter(options.deviceId)],
      onConnected: () => this.publishStatus(),
      onMessage: (topic, payload) => this.command(topic.slice(prefix.length), payload),
    });
  }

  start(): void {
    this.session.start();
    this.scheduleStatus();
  }

  /** The modules to list in the status, with the load error of those that are not running. */
  setModules(modules: ModuleStatus[]): void {
    this.modules = modules.map((m) => ({ ...m }));
    this.publishStatus();
  }

  /** Queues one record of `module`; returns its sequence number. The window goes out in whole ms. */
  publish(module: string, moduleVersion: string, window: SamplingWindow, record: TelemetryRecord): number {
    const topic = this.topicOf(module);
    const sequence = this.sequences.get(module) ?? 0;
    this.sequences.set(module, sequence + 1);
    const headroom = publishHeadroom(topic);
    const options = this.options;
    const timeMs = Math.floor(options.clock.realtimeMs());
    const payload = encodeEnvelope({
      schemaVersion: SCHEMA_VERSION,
      deviceId: options.deviceId,
      bootId: options.bootId,
      sequence,
      timeMs,
      module,
      moduleVersion,
      window: { startMs: Math.floor(window.startMs), lengthMs: Math.round(window.lengthMs) },
      record,
    }, headroom);
    options.outbox.push({ topic, payload: withHeadroom(payload, headroom), qos: options.qos ?? 1, timeMs });
    this.session.drain();
    return sequence;
  }

  /** One topic string per module, shared by every message the outbox holds for it; the name is checked when its topic is made. */
  private topicOf(module: string): string {
    let topic = this.topics.get(module);
    if (topic === undefined) {
      checkTopicLevel('module name', module);
      this.topics.set(module, (topic = telemetryTopic(this.options.deviceId, module)));
    }
    return topic;
  }

  counters(): StatusCounters {
    const { outbox } = this.options;
    const { sent, reconnects, rejectedMessages: rejected, malformedPackets: malformed } = this.session.stats;
    return { sent, dropped: outbox.dropped, reconnects, depth: outbox.depth, rejected, malformed, bytes: outbox.bytes, oldestMs: outbox.oldestMs ?? 0, cut: outbox.cutTails };
  }

  /** Publishes `offline` with the final counters, disconnects cleanly and stops the timers. */
  async stop(): Promise<void> {
    if (this.statusTimer !== undefined) this.options.timers.clearTimeout(this.statusTimer);
    this.statusTimer = undefined;
    this.options.onPeriodic?.();
    await this.session.stop(this.statusMessage(this.status('offline', true)));
  }

  private status(state: 'online' | 'offline', withCounters: boolean): Status {
    const { deviceId, bootId, agentVersion, release, machine } = this.options;
    const status: Status = {
      schemaVersion: SCHEMA_VERSION,
      deviceId,
      bootId,
      timeMs: Math.floor(this.options.clock.realtimeMs()),
      state,
      agentVersion,
      release,
      machine,
    };
    if (withCounters) {
      status.modules = this.modules;
      status.counters = this.counters();
    }
    return status;
  }

  private statusMessage(status: Status): Message {
    return { topic: statusTopic(this.options.deviceId), payload: encodeStatus(status), qos: 1, retain: true };
  }

  private publishStatus(): void {
    this.session.publishDirect(this.statusMessage(this.status('online', true)));
  }

  private scheduleStatus(): void {
    this.statusTimer = this.options.timers.setTimeout(() => {
      this.options.onPeriodic?.();
      this.publishStatus();
      this.scheduleStatus();
    }, this.options.statusIntervalMs ?? 60_000);
  }

  private command(path: string, payload: Uint8Array): void {
    let command: unknown;
    try {
      command = decodePlain(payload);
    } catch (err) {
      throw new TelemetryDecodeError(`not CBOR (${(err as Error).message}); OTA commands are CBOR maps`);
    }
    if (!(command instanceof Map)) throw new TelemetryDecodeError('not a CBOR map; OTA commands are CBOR maps');
    if (!this.options.onCommand) throw new MoteError('no OTA handler in this agent, so the command is ignored; start the agent with --ota-key to accept OTA commands');
    this.options.onCommand(path, command);
  }
}
