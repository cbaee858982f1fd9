/**
 * The running agent: modules from a catalog, loaded through the registry and sampled on their
 * intervals, every record published through Telemetry, and the retained status kept in step with
 * the modules. `apply` moves the running set to a new plan (start, stop, reload with new
 * settings) without touching the modules the plan leaves as they are.
 */
import type { ModuleLoader } from '../lifecycle/module-types.ts';
import type { ModuleStatus } from '../telemetry/messages.ts';
import type { Clock, Logger, Timers } from '../telemetry/runtime.ts';
import type { Telemetry } from '../telemetry/telemetry.ts';
import { ModuleRegistry } from '../lifecycle/module-registry.ts';
import { sameSettings, type ModulePlan } from './module-plan.ts';
import { skipReason } from '../lifecycle/module-load-error.ts';
import { ModuleCatalog } from '../lifecycle/module-catalog.ts';

export interface AgentParts {
  telemetry: Telemetry;
  loader: ModuleLoader;
  catalog: ModuleCatalog;
  timers: Timers;
  clock: Clock;
  log: Logger;
}

export class Agent {
  readonly registry: ModuleRegistry;
  /** Modules the plan asked for that the catalog lacks, listed in the status with the reason. */
  private unknown: ModuleStatus[] = [];
  private applying = false;
  private plan: ModulePlan = { modules: [], defaults: {}, unknown: [] };

  constructor(private readonly parts: AgentParts) {
    const { loader, timers, clock, log, telemetry } = parts;
    this.registry = new ModuleRegistry({
      loader, timers, clock, log,
      defaultSettings: (name) => this.plan.modules.find((m) => m.name === name)?.settings ?? this.plan.defaults,
      onRecord: (module, { window, record }) => telemetry.publish(module.name, module.version, window, record),
      onChange: () => this.publishModules(),
    });
  }

  start(plan: ModulePlan): void {
    this.parts.telemetry.start();
    this.apply(plan);
  }

  /** Stops what the plan drops, starts what it adds, reloads what it configures differently. */
  apply(plan: ModulePlan): void {
    const { log, catalog } = this.parts;
    this.applying = true;
    this.plan = plan;
    try {
      const wanted = new Set(plan.modules.map((m) => m.name));
      for (const name of this.registry.names()) if (!wanted.has(name)) this.registry.remove(name);
      for (const { name, settings } of plan.modules) {
        const current = this.registry.settingsOf(name);
        if (this.registry.isRunning(name) && current && sameSettings(current, settings)) continue;
        const source = catalog.source(name)!;
        try {
          this.registry.replace(name, source, settings);
        } catch (error) {
          const kept = this.registry.isRunning(name) ? '; it keeps running with its previous settings' : '';
          log.warn(`module ${name}: skipped: ${skipReason(error)}${kept}`);
        }
      }
      this.unknown = plan.unknown.map(({ name, reason }) => ({ name, version: '', error: reason }));
      for (const { reason } of plan.unknown) log.warn(`module skipped: ${reason}`);
    } finally {
      this.applying = false;
    }
    this.publishModules();
    const running = this.registry.statuses().filter((m) => m.error === undefined).map((m) => m.name);
    log.info(`modules running: ${running.length > 0 ? running.join(', ') : 'none'}`);
  }

  /**
   * Takes a last record from every module and detaches it, gives the broker up to `flushMs` to take what the outbox holds (while
   * connected), then publishes `offline` with the final counters and disconnects.
   */
  async stop(flushMs = 3000): Promise<void> {
    const { telemetry, timers, clock } = this.parts;
    this.registry.closeAll(true);
    const deadline = clock.monotonicMs() + flushMs;
    while (telemetry.session.connected && telemetry.counters().depth > 0 && clock.monotonicMs() < deadline) {
      await new Promise<void>((resolve) => timers.setTimeout(resolve, 20));
    }
    await telemetry.stop();
  }

  private publishModules(): void {
    if (this.applying) return;
    this.parts.telemetry.setModules([...this.registry.statuses(), ...this.unknown]);
  }
}
