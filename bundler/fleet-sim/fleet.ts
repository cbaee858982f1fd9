/**
 * The simulated fleet: N devices named `sim-00001`..., started gradually (`connectRate` per
 * second) and spread over the brokers, each publishing `rate` recorded records per second in
 * turn over its modules, with optional random abrupt disconnects and reboots (a new boot id,
 * sequences from 0 again). `stop()` ends the records,
 * waits for the outboxes to drain, stops every device as the agent stops (offline status, clean
 * DISCONNECT) and returns what was published and acknowledged, per device and in total.
 */
import { MoteError } from '../../agent/src/errors.ts';
import type { Logger } from '../../agent/src/telemetry/runtime.ts';
import { parseBrokerUrl, type BrokerAddress } from '../../agent/src/telemetry/transports/broker-url.ts';
import { DEFAULT_OUTBOX_CAPACITY } from '../../agent/src/run/settings.ts';
import { readCorpus, type Corpus } from './corpus.ts';
import type { AcknowledgedStream } from './ledger.ts';
import { SimDevice, type DeviceCounters } from './sim-device.ts';

export class FleetSimError extends MoteError {}

export interface FleetSimOptions {
  /** mqtt://host:port of each broker; devices start spread over them and fail over in order. */
  brokers: string[];
  devices: number;
  /** Records per second per device, in turn over the device's modules. */
  rate: number;
  /** Devices started per second. Default 200. */
  connectRate?: number;
  /** Abrupt disconnects per device per second (0.01: each device drops every 100 s on average). Default 0. */
  disconnectRate?: number;
  /** Reboots per device per second: the device dies (Last Will) and starts again with a new boot id. Default 0. */
  rebootRate?: number;
  /** Device ids are the prefix and a 5-digit number from 1. Default `sim-`. */
  devicePrefix?: string;
  /** Default: the committed corpus. */
  corpus?: Corpus;
  /** How long `stop()` waits for unacknowledged records. Default 10 s. */
  drainSeconds?: number;
  /** Outbox bound per device, as the agent's. Default the agent's (1000). */
  outboxCapacity?: number;
  keepaliveSeconds?: number;
  /** Called every `progressIntervalMs` (default 5000) while running. */
  onProgress?(progress: FleetSimProgress): void;
  progressIntervalMs?: number;
}

export interface FleetSimProgress {
  elapsedMs: number;
  devicesStarted: number;
  devicesConnected: number;
  totals: DeviceCounters;
  /** CPU time of this process over the elapsed time, in percent of one core. */
  cpuPercent: number;
  /** Warnings the devices' sessions logged (connection failures, refused CONNACKs...). */
  warnings: number;
  lastWarning?: string;
  reboots: number;
}

export interface DeviceReport extends DeviceCounters {
  device: string;
  /** 32 hex digits. */
  bootId: string;
}

export interface FleetSimReport extends FleetSimProgress {
  /** From start() to stop(): how long the devices made records (elapsedMs adds the drain). */
  publishingMs: number;
  /** One entry per device and boot: a rebooted device has one per boot, in boot order. */
  devices: DeviceReport[];
  /** Every acknowledged record: (device, boot, module) streams of sequence numbers and envelope times. */
  acknowledged: AcknowledgedStream[];
}

const TICK_MS = 100;

class CountingLogger implements Logger {
  warnings = 0;
  last: string | undefined;
  info(): void {}
  warn(message: string): void {
    this.warnings++;
    this.last = message;
  }
}

function brokerAddresses(urls: string[]): BrokerAddress[] {
  if (urls.length === 0) throw new FleetSimError('no broker given; give at least one mqtt://host:port');
  return urls.map((url) => {
    const address = parseBrokerUrl(url);
    if (address.tls) throw new FleetSimError(`broker '${url}': the simulator speaks plain MQTT only; give an mqtt:// listener`);
    return address;
  });
}

export function deviceName(prefix: string, number: number): string {
  return `${prefix}${String(number).padStart(5, '0')}`;
}

export class FleetSim {
  private readonly devices: SimDevice[] = [];
  /** Devices' earlier boots, after a reboot. */
  private readonly retired: SimDevice[] = [];
  private readonly crashes: Array<Promise<void>> = [];
  private readonly log = new CountingLogger();
  private readonly brokers: BrokerAddress[];
  private readonly corpus: Corpus;
  private readonly generated: number[] = [];
  private readonly startedAtMs: number[] = [];
  private startMs = 0;
  private cpuAtStart = process.cpuUsage();
  private ticker: NodeJS.Timeout | undefined;
  private progressTimer: NodeJS.Timeout | undefined;
  private lastTickMs = 0;

  constructor(private readonly options: FleetSimOptions) {
    if (!Number.isInteger(options.devices) || options.devices < 1) throw new FleetSimError(`devices ${options.devices} is not a positive integer`);
    if (!(options.rate > 0)) throw new FleetSimError(`rate ${options.rate} is not a positive number of records per second`);
    this.brokers = brokerAddresses(options.brokers);
    this.corpus = options.corpus ?? readCorpus();
  }

  start(): void {
    if (this.ticker) return;
    this.startMs = this.lastTickMs = performance.now();
    this.cpuAtStart = process.cpuUsage();
    this.ticker = setInterval(() => this.tick(), TICK_MS);
    const { onProgress } = this.options;
    if (onProgress) this.progressTimer = setInterval(() => onProgress(this.progress()), this.options.progressIntervalMs ?? 5000);
    this.tick();
  }

  /** Drops device `index`'s connection now (0-based), as a random disconnect does. */
  disconnect(index: number): void {
    this.devices[index]?.disconnect();
  }

  /** Device `index` (0-based) dies now and boots again with a new boot id, as a random reboot does. */
  reboot(index: number): void {
    const old = this.devices[index];
    if (!old) return;
    const fresh = this.newDevice(index);
    this.devices[index] = fresh;
    this.retired.push(old);
    this.generated[index] = 0;
    this.startedAtMs[index] = performance.now();
    this.crashes.push(old.crash().then(() => fresh.start()));
  }

  progress(): FleetSimProgress {
    const totals: DeviceCounters = { published: 0, acknowledged: 0, dropped: 0, pending: 0, disconnects: 0, reconnects: 0, failovers: 0 };
    for (const device of [...this.retired, ...this.devices]) {
      const counters = device.counters();
      for (const key of Object.keys(totals) as Array<keyof DeviceCounters>) totals[key] += counters[key];
    }
    const connected = this.devices.filter((d) => d.connected).length;
    const elapsedMs = performance.now() - this.startMs;
    const cpu = process.cpuUsage(this.cpuAtStart);
    return {
      elapsedMs,
      devicesStarted: this.devices.length,
      devicesConnected: connected,
      totals,
      cpuPercent: elapsedMs > 0 ? (cpu.user + cpu.system) / 10 / elapsedMs : 0,
      warnings: this.log.warnings,
      reboots: this.retired.length,
      ...(this.log.last !== undefined && { lastWarning: this.log.last }),
    };
  }

  /** Stops the records, waits for the outboxes to drain, stops the devices; returns the report. */
  async stop(): Promise<FleetSimReport> {
    clearInterval(this.ticker);
    clearInterval(this.progressTimer);
    const publishingMs = performance.now() - this.startMs;
    await Promise.all(this.crashes);
    const deadline = performance.now() + (this.options.drainSeconds ?? 10) * 1000;
    while (performance.now() < deadline && this.devices.some((d) => d.counters().pending > 0)) {
      await new Promise((resolve) => setTimeout(resolve, TICK_MS));
    }
    const progress = this.progress();
    await Promise.all(this.devices.map((d) => d.stop()));
    const boots = [...this.retired, ...this.devices].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return {
      ...progress,
      publishingMs,
      devices: boots.map((d) => ({ device: d.id, bootId: d.ledger.bootId, ...d.counters() })),
      acknowledged: boots.flatMap((d) => d.ledger.list()),
    };
  }

  private tick(): void {
    const now = performance.now();
    const dtMs = now - this.lastTickMs;
    this.lastTickMs = now;
    const { devices: count, rate, connectRate = 200, disconnectRate = 0, rebootRate = 0 } = this.options;
    const due = Math.min(count, Math.floor(((now - this.startMs) * connectRate) / 1000) + 1);
    while (this.devices.length < due) {
      const device = this.newDevice(this.devices.length);
      this.devices.push(device);
      this.generated.push(0);
      this.startedAtMs.push(now);
      device.start();
    }
    const dropChance = (disconnectRate * dtMs) / 1000;
    const rebootChance = (rebootRate * dtMs) / 1000;
    for (let i = 0; i < this.devices.length; i++) {
      const device = this.devices[i]!;
      const owed = Math.floor(((now - this.startedAtMs[i]!) * rate) / 1000) - this.generated[i]!;
      for (let n = 0; n < owed; n++) device.publishNext();
      if (owed > 0) this.generated[i]! += owed;
      if (dropChance > 0 && Math.random() < dropChance) device.disconnect();
      if (rebootChance > 0 && Math.random() < rebootChance) this.reboot(i);
    }
  }

  /** Device `index` in a new boot (sim-00001 is index 0). */
  private newDevice(index: number): SimDevice {
    return new SimDevice(deviceName(this.options.devicePrefix ?? 'sim-', index + 1), index, {
      brokers: this.brokers,
      corpus: this.corpus,
      outboxCapacity: this.options.outboxCapacity ?? DEFAULT_OUTBOX_CAPACITY,
      keepaliveSeconds: this.options.keepaliveSeconds ?? 30,
      log: this.log,
    });
  }
}

/** Runs a fleet for `seconds`, then stops it (see FleetSim.stop). */
export async function runFleetSim(options: FleetSimOptions & { seconds: number }): Promise<FleetSimReport> {
  const sim = new FleetSim(options);
  sim.start();
  await new Promise((resolve) => setTimeout(resolve, options.seconds * 1000));
  return sim.stop();
}
