/**
 * The module registry under Node with a scripted loader: load new before closing old, failures
 * listed or thrown, sampling on the interval, a module that keeps failing stopped.
 */
import { describe, expect, it } from 'vitest';
import { MoteError } from '../../agent/src/errors.ts';
import { MAX_SAMPLE_FAILURES, ModuleRegistry } from '../../agent/src/lifecycle/module-registry.ts';
import type { ModuleLoader, ModuleSampleResult, ModuleSource, RunningModule } from '../../agent/src/lifecycle/module-types.ts';
import { waitUntil } from '../telemetry/harness.ts';
import { MemoryLogger, nodeClock, nodeTimers } from '../telemetry/node-runtime.ts';

function source(name: string, version: string): ModuleSource {
  return { name, version, objects: {}, btfs: {}, manifest: '{}' };
}

/** A loader whose modules count their samples and closes; `refuse` names versions that fail to load. */
class ScriptedLoader implements ModuleLoader {
  readonly events: string[] = [];
  refuse = new Set<string>();
  failSampling = false;

  load(src: ModuleSource, settings: { intervalMs?: number }): RunningModule {
    if (this.refuse.has(src.version)) throw new MoteError(`prog 'x': verifier refused version ${src.version}`);
    this.events.push(`load ${src.name} ${src.version}`);
    const loader = this;
    let samples = 0;
    return {
      name: src.name, version: src.version, variant: 'tracepoint', intervalMs: settings.intervalMs ?? 1000,
      sample(): ModuleSampleResult {
        if (loader.failSampling) throw new Error('map read failed');
        samples++;
        return { window: { startMs: samples, lengthMs: 1 }, record: { kind: 'counter', deltas: [['n', samples]] } };
      },
      close: () => loader.events.push(`close ${src.name} ${src.version}`),
    };
  }
}

function registryWith(loader: ScriptedLoader) {
  const records: string[] = [];
  let changes = 0;
  const registry = new ModuleRegistry({
    loader, timers: nodeTimers, clock: nodeClock, log: new MemoryLogger(),
    defaultSettings: () => ({ intervalMs: 60_000 }),
    onRecord: (module, result) => records.push(`${module.name} ${module.version} ${result.window.startMs}`),
    onChange: () => changes++,
  });
  return { registry, records, changes: () => changes };
}

describe('module registry', () => {
  it('loads the new version before closing the old one, and keeps the settings', () => {
    const loader = new ScriptedLoader();
    const { registry } = registryWith(loader);
    registry.replace('syscount', source('syscount', '1'), { intervalMs: 60_000 });
    registry.replace('syscount', source('syscount', '2'));
    expect(loader.events).toEqual(['load syscount 1', 'load syscount 2', 'close syscount 1']);
    expect(registry.settingsOf('syscount')).toEqual({ intervalMs: 60_000 });
    expect(registry.statuses()).toEqual([{ name: 'syscount', version: '2', variant: 'tracepoint' }]);
    registry.closeAll();
    expect(loader.events.at(-1)).toBe('close syscount 2');
  });

  it('keeps the old module when the new one fails to load, and throws why', () => {
    const loader = new ScriptedLoader();
    const { registry } = registryWith(loader);
    registry.replace('syscount', source('syscount', '1'), { intervalMs: 60_000 });
    loader.refuse.add('2');
    expect(() => registry.replace('syscount', source('syscount', '2'))).toThrowError(/verifier refused version 2/);
    expect(registry.statuses()).toEqual([{ name: 'syscount', version: '1', variant: 'tracepoint' }]);
    expect(loader.events).toEqual(['load syscount 1']);
    registry.closeAll();
  });

  it('lists a module that never loaded with its error', () => {
    const loader = new ScriptedLoader();
    loader.refuse.add('1');
    const { registry, changes } = registryWith(loader);
    expect(() => registry.replace('runqlat', source('runqlat', '1'))).toThrowError(MoteError);
    expect(registry.statuses()).toEqual([{ name: 'runqlat', version: '1', error: "prog 'x': verifier refused version 1" }]);
    expect(changes()).toBe(1);
    registry.remove('runqlat');
    expect(registry.statuses()).toEqual([]);
  });

  it('gives a module it meets for the first time without settings the defaults', () => {
    const { registry } = registryWith(new ScriptedLoader());
    expect(registry.replace('new', source('new', '1')).intervalMs).toBe(60_000);
    registry.closeAll();
  });

  it('refuses a package whose name is not the module it replaces', () => {
    const { registry } = registryWith(new ScriptedLoader());
    expect(() => registry.replace('syscount', source('runqlat', '1'))).toThrowError(/holds 'runqlat'; install it under its own name/);
  });

  it('samples each module on its interval and stops one that keeps failing', async () => {
    const loader = new ScriptedLoader();
    const { registry, records } = registryWith(loader);
    registry.replace('fast', source('fast', '1'), { intervalMs: 20 });
    await waitUntil('three samples', () => records.length >= 3);
    expect(records.slice(0, 3)).toEqual(['fast 1 1', 'fast 1 2', 'fast 1 3']);
    loader.failSampling = true;
    await waitUntil('the module stopped', () => !registry.isRunning('fast'));
    expect(registry.statuses()[0]).toMatchObject({ name: 'fast', version: '1', error: expect.stringMatching(new RegExp(`stopped after ${MAX_SAMPLE_FAILURES} failed samples in a row \\(fix it, then reload with SIGHUP\\): map read failed`)) });
    expect(loader.events).toEqual(['load fast 1', 'close fast 1']);
  });
});

it('keeps only the first line of a load error in the status, capped', () => {
  const loader = new ScriptedLoader();
  loader.load = () => {
    throw new MoteError(`prog 'p': the kernel verifier rejected it (EACCES): ${'x'.repeat(400)}\n  | 12: (85) call\n  | R0 invalid`);
  };
  const { registry } = registryWith(loader);
  expect(() => registry.replace('m', source('m', '1'))).toThrowError(/R0 invalid/);
  const [status] = registry.statuses();
  expect(status!.error).toMatch(/^prog 'p': the kernel verifier rejected it \(EACCES\): x+\.\.\.$/);
  expect(status!.error).toHaveLength(300);
});
