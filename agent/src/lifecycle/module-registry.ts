/**
 * The modules the agent runs, by name, each sampled on its own interval. `replace` is the one way
 * in, for config changes and OTA alike: it loads the new module first and closes the old one only
 * once the new one runs, so a module that fails to load never takes a working one down. A module
 * that fails to sample several times in a row is stopped and listed with its error.
 */
import { MoteError } from '../errors.ts';
import { skipReason } from './module-load-error.ts';
import type { ModuleLoader, ModuleSampleResult, ModuleSettings, ModuleSource, RunningModule } from './module-types.ts';
import type { ModuleStatus } from '../telemetry/messages.ts';
import type { Clock, Logger, TimerHandle, Timers } from '../telemetry/runtime.ts';

/** Consecutive sampling failures after which a module is stopped. */
export const MAX_SAMPLE_FAILURES = 3;

/** Longest error kept in the status; the full text (verifier excerpt included) goes to the log. */
const STATUS_ERROR_CHARS = 300;

/** The first line of an error message, capped: what the retained status carries. */
function statusError(message: string): string {
  const line = message.split('\n', 1)[0]!;
  return line.length <= STATUS_ERROR_CHARS ? line : `${line.slice(0, STATUS_ERROR_CHARS - 3)}...`;
}

export interface RegistryHost {
  loader: ModuleLoader;
  timers: Timers;
  clock: Clock;
  log: Logger;
  /** Settings for a module `replace` meets for the first time without being given any. */
  defaultSettings(name: string): ModuleSettings;
  /** One record a module yielded; may throw, which counts as a sampling failure. */
  onRecord(module: RunningModule, result: ModuleSampleResult): void;
  /** The modules, their versions, variants or errors changed: time to republish the status. */
  onChange(): void;
}

interface Slot {
  settings: ModuleSettings;
  running?: RunningModule;
  /** Why the module is not running, and the version that failed. */
  failed?: { version: string; error: string };
  timer?: TimerHandle;
  /** Monotonic ms of the next sample. */
  next: number;
  failures: number;
}

export class ModuleRegistry {
  private readonly slots = new Map<string, Slot>();

  constructor(private readonly host: RegistryHost) {}

  /**
   * Loads `source` as module `name` with `settings` (default: the settings it runs with now, or
   * the host's defaults for a new one) and
   * puts it in place of what runs under that name. If loading fails, the old module keeps
   * running and the error is thrown; with no old module, the failure is listed in the status.
   */
  replace(name: string, source: ModuleSource, settings?: ModuleSettings): RunningModule {
    if (source.name !== name) throw new MoteError(`module '${name}': the package holds '${source.name}'; install it under its own name`);
    const slot = this.slots.get(name) ?? { settings: settings ?? this.host.defaultSettings(name), next: 0, failures: 0 };
    const chosen = settings ?? slot.settings;
    let loaded: RunningModule;
    try {
      loaded = this.host.loader.load(source, chosen);
    } catch (error) {
      if (!slot.running) {
        slot.settings = chosen;
        slot.failed = { version: source.version, error: statusError(skipReason(error)) };
        this.slots.set(name, slot);
        this.host.onChange();
      }
      throw error;
    }
    this.stopSampling(slot);
    if (slot.running) this.closeQuietly(slot.running);
    Object.assign(slot, { settings: chosen, running: loaded, failed: undefined, failures: 0 });
    this.slots.set(name, slot);
    this.host.log.info(`module ${name} ${loaded.version} (${loaded.variant}) runs every ${loaded.intervalMs} ms`);
    this.startSampling(slot, loaded);
    this.host.onChange();
    return loaded;
  }

  /** Stops and forgets module `name` (running or failed). */
  remove(name: string): void {
    const slot = this.slots.get(name);
    if (!slot) return;
    this.stopSampling(slot);
    if (slot.running) this.closeQuietly(slot.running);
    this.slots.delete(name);
    this.host.log.info(`module ${name} stopped`);
    this.host.onChange();
  }

  names(): string[] {
    return [...this.slots.keys()];
  }

  /** The settings module `name` was last loaded with. */
  settingsOf(name: string): ModuleSettings | undefined {
    return this.slots.get(name)?.settings;
  }

  isRunning(name: string): boolean {
    return this.slots.get(name)?.running !== undefined;
  }

  statuses(): ModuleStatus[] {
    return [...this.slots].map(([name, slot]) =>
      slot.running ? { name, version: slot.running.version, variant: slot.running.variant } : { name, version: slot.failed!.version, error: slot.failed!.error },
    );
  }

  /**
   * Detaches every module; the registry is empty afterwards. With `lastSample`, each running
   * module first yields a record for the rest of its window, so a clean stop loses nothing.
   */
  closeAll(lastSample = false): void {
    for (const slot of this.slots.values()) {
      this.stopSampling(slot);
      if (!slot.running) continue;
      if (lastSample) this.sampleOnce(slot, slot.running);
      if (slot.running) this.closeQuietly(slot.running);
    }
    this.slots.clear();
  }

  /**
   * Samples on a grid of the interval on the monotonic clock, so modules with the same interval
   * are sampled in the same instant and their records leave together (the socket sends what a
   * turn of the event loop queued in one write). The first sample comes half an interval to one
   * and a half after the load; its record's window says how long it was.
   */
  private startSampling(slot: Slot, module: RunningModule): void {
    const interval = module.intervalMs;
    const now = this.host.clock.monotonicMs();
    slot.next = Math.ceil((now + interval / 2) / interval) * interval;
    const tick = () => {
      if (slot.running !== module) return;
      this.sampleOnce(slot, module);
      if (slot.running !== module) return;
      const now = this.host.clock.monotonicMs();
      slot.next += module.intervalMs;
      if (slot.next < now) slot.next = (Math.floor(now / module.intervalMs) + 1) * module.intervalMs; // fell behind: skip, never burst
      slot.timer = this.host.timers.setTimeout(tick, slot.next - now);
    };
    slot.timer = this.host.timers.setTimeout(tick, slot.next - now);
  }

  private sampleOnce(slot: Slot, module: RunningModule): void {
    try {
      const result = module.sample();
      if (result) this.host.onRecord(module, result);
      slot.failures = 0;
    } catch (error) {
      slot.failures++;
      const message = (error as Error).message;
      this.host.log.warn(`module ${module.name}: sampling failed (${slot.failures}/${MAX_SAMPLE_FAILURES}): ${message}`);
      if (slot.failures < MAX_SAMPLE_FAILURES) return;
      this.stopSampling(slot);
      this.closeQuietly(module);
      slot.running = undefined;
      slot.failed = { version: module.version, error: statusError(`stopped after ${MAX_SAMPLE_FAILURES} failed samples in a row (fix it, then reload with SIGHUP): ${message}`) };
      this.host.onChange();
    }
  }

  private stopSampling(slot: Slot): void {
    if (slot.timer !== undefined) this.host.timers.clearTimeout(slot.timer);
    slot.timer = undefined;
  }

  private closeQuietly(module: RunningModule): void {
    try {
      module.close();
    } catch (error) {
      this.host.log.warn(`module ${module.name}: close failed: ${(error as Error).message}`);
    }
  }
}
