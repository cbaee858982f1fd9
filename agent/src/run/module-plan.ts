/**
 * Which modules should run, with which settings: the config's `modules` (or `--modules`) against
 * the modules this agent has. Pure, so a reload can compare the plan it gets with the one running.
 */
import type { ModuleSettings } from '../lifecycle/module-types.ts';
import type { AgentConfig } from './config.ts';

export const DEFAULT_INTERVAL_MS = 1000;

export interface PlannedModule {
  name: string;
  settings: ModuleSettings;
}

export interface ModulePlan {
  modules: PlannedModule[];
  /** Settings for a module the plan does not name (one OTA installs while the agent runs). */
  defaults: ModuleSettings;
  /** Modules asked for that this agent does not have, with the reason. */
  unknown: Array<{ name: string; reason: string }>;
}

export interface PlanInputs {
  config: AgentConfig;
  /** `--modules`: exactly these, whatever the config says. */
  only?: string[];
  /** `--interval-ms`: every module's interval, per-module settings included. */
  intervalMs?: number;
  /** Modules this agent has (built in, or installed). */
  available: string[];
  /** Modules installed over the air that are not built in: they run whatever `only` or the config's list say, unless the config disables them. */
  installed?: string[];
}

export function planModules({ config, only, intervalMs, available, installed = [] }: PlanInputs): ModulePlan {
  const configured = config.modules;
  const chosen = only ?? (configured ? Object.keys(configured).filter((name) => configured[name]!.enabled !== false) : available);
  const names = [...chosen, ...installed.filter((name) => configured?.[name]?.enabled !== false)];
  const plan: ModulePlan = { modules: [], defaults: { intervalMs: intervalMs ?? config.intervalMs ?? DEFAULT_INTERVAL_MS }, unknown: [] };
  for (const name of new Set(names)) {
    if (!available.includes(name)) {
      const known = available.length > 0 ? available.join(', ') : 'none';
      plan.unknown.push({ name, reason: `no module named '${name}' in this agent (available: ${known}); fix the name or install it` });
      continue;
    }
    const { enabled: _enabled, ...settings } = configured?.[name] ?? {};
    settings.intervalMs = intervalMs ?? settings.intervalMs ?? config.intervalMs ?? DEFAULT_INTERVAL_MS;
    plan.modules.push({ name, settings });
  }
  return plan;
}

/** True when two settings would load a module the same way. */
export function sameSettings(a: ModuleSettings, b: ModuleSettings): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(settings: ModuleSettings): unknown {
  const constants = settings.constants ? Object.entries(settings.constants).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)) : [];
  return [settings.intervalMs, settings.topN, settings.variant, settings.interface, constants];
}
