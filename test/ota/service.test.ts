import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OtaCatalog } from '../../agent/src/ota/catalog.ts';
import { encodeInstall, encodeRemove, type OtaResult } from '../../agent/src/ota/messages.ts';
import { OtaService, type OtaModules } from '../../agent/src/ota/service.ts';
import { ModuleStore, type StoreFiles } from '../../agent/src/ota/store.ts';
import { decodePlain } from '../../agent/src/telemetry/cbor.ts';
import { catalogOf } from '../../agent/src/lifecycle/module-catalog.ts';
import type { ModuleSource } from '../../agent/src/lifecycle/module-types.ts';
import { filesLosingPowerAfter, nodeFiles, PowerLoss } from './node-files.ts';
import { deviceFacts, makeKey, samplePackage, signed } from './packages.ts';

const key = makeKey('release');
const stranger = makeKey('stranger');
const VERIFIER_FAILURE =
  "module 'syscount': prog 'syscall_enter': the kernel verifier rejected it (EACCES): R1 invalid mem access 'scalar'\n  | 0: (b7) r1 = 0\n  | 1: (62) *(u32 *)(r1 +0) = 0\nFix the program";

const silent = { info: () => {}, warn: () => {} };

/** The registry as OTA sees it: records what runs; manifests containing "refuse" fail to load. */
class FakeModules implements OtaModules {
  readonly running = new Map<string, string>();

  replace(name: string, source: ModuleSource) {
    if (source.manifest.includes('refuse')) throw new Error(VERIFIER_FAILURE);
    this.running.set(name, source.version);
    return { name, version: source.version, intervalMs: 1000, variant: 'tracepoint', sample: () => null, close: () => {} };
  }

  remove(name: string): void {
    this.running.delete(name);
  }

  statuses() {
    return [...this.running].map(([name, version]) => ({ name, version }));
  }
}

const builtins = catalogOf([samplePackage({ version: '1' }), samplePackage({ name: 'execsnoop', version: '1' })]);

interface Device {
  modules: FakeModules;
  store: ModuleStore;
  catalog: OtaCatalog;
  results: OtaResult[];
  install(bytes: Uint8Array): OtaResult;
  remove(module: string): OtaResult;
}

/** A device booting from the store in `dir`: the catalog's modules running, OTA ready. */
function boot(dir: string, files: StoreFiles = nodeFiles): Device {
  const store = new ModuleStore(files, dir, () => {});
  store.open();
  const catalog = new OtaCatalog(builtins, store, [key.trusted], silent);
  const modules = new FakeModules();
  for (const name of catalog.names()) modules.replace(name, catalog.source(name)!);
  const results: OtaResult[] = [];
  const { versionFloor: _floor, ...device } = deviceFacts([key]);
  const service = new OtaService({ store, catalog, modules, device, publishResult: (r) => results.push(r), log: silent });
  const send = (path: string, payload: Uint8Array) => {
    service.handle(path, decodePlain(payload) as Map<unknown, unknown>);
    return results[results.length - 1]!;
  };
  return {
    modules, store, catalog, results,
    install: (bytes) => send('install', encodeInstall('req-1', bytes)),
    remove: (module) => send('remove', encodeRemove('req-2', module)),
  };
}

let dir: string;
beforeEach(() => {
  dir = join(mkdtempSync(join(tmpdir(), 'mote-store-')), 'var', 'lib', 'mote', 'modules');
});
afterEach(() => rmSync(join(dir, '..', '..', '..', '..'), { recursive: true, force: true }));

describe('OTA on the device', () => {
  it('applies a signed update, stores it, and runs it again after a restart', () => {
    const device = boot(dir);
    expect(device.modules.running.get('syscount')).toBe('1');
    const result = device.install(signed(key, { version: '2' }));
    expect(result).toMatchObject({ requestId: 'req-1', module: 'syscount', outcome: 'accepted', version: '2' });
    expect(device.modules.running).toEqual(new Map([['syscount', '2'], ['execsnoop', '1']]));
    expect(readdirSync(dir).sort()).toEqual(['syscount.current', 'syscount@2.mote']);
    const rebooted = boot(dir);
    expect(rebooted.modules.running.get('syscount')).toBe('2');
    expect(rebooted.install(signed(key, { version: '3' })).outcome).toBe('accepted');
    expect(readdirSync(dir).sort()).toEqual(['syscount.current', 'syscount@3.mote']);
  });

  it.each<[string, () => Uint8Array, string]>([
    ['a bad signature', () => { const b = Uint8Array.from(signed(key, { version: '3' })); b[b.length - 1]! ^= 1; return b; }, 'bad-signature'],
    ['a valid signature by an unknown key', () => signed(stranger, { version: '3' }), 'unknown-key'],
    ['a replayed older version', () => signed(key, { version: '2' }), 'stale-version'],
    ['a truncated package', () => signed(key, { version: '3' }).subarray(0, 1000), 'malformed'],
    ['an oversized package', () => signed(key, { version: '3', btfs: { big: new Uint8Array(1100 * 1024) } }), 'too-large'],
    ['a package for another architecture', () => signed(key, { version: '3', objects: { armhf: new Uint8Array(8) } }), 'unsupported-arch'],
  ])('rejects %s, keeping the running and the stored version', (_what, bytes, reason) => {
    const device = boot(dir);
    device.install(signed(key, { version: '2' }));
    const result = device.install(bytes());
    expect(result).toMatchObject({ outcome: 'rejected', reason });
    expect(result.version).toBe(result.module ? '2' : undefined);
    expect(device.modules.running.get('syscount')).toBe('2');
    expect(readdirSync(dir).sort()).toEqual(['syscount.current', 'syscount@2.mote']);
    expect(boot(dir).modules.running.get('syscount')).toBe('2');
  });

  it('rejects a command without a package as malformed, answering its request id', () => {
    const device = boot(dir);
    const { results } = device;
    const service = new OtaService({ store: device.store, catalog: device.catalog, modules: device.modules, device: deviceFacts([key]), publishResult: (r) => results.push(r), log: silent });
    service.handle('install', new Map([[0, 'req-9']]));
    expect(results.pop()).toMatchObject({ requestId: 'req-9', outcome: 'rejected', reason: 'malformed' });
    service.handle('upgrade', new Map([[0, 'req-10']]));
    expect(results.pop()).toMatchObject({ requestId: 'req-10', outcome: 'rejected', reason: 'malformed' });
    service.handle('result', new Map([[0, 'req-11']]));
    expect(results).toEqual([]);
  });

  it('rolls back a version the verifier refuses, with the excerpt, and leaves no staged file', () => {
    const device = boot(dir);
    device.install(signed(key, { version: '2' }));
    const result = device.install(signed(key, { version: '3', manifest: '{"refuse":true}' }));
    expect(result).toMatchObject({ outcome: 'rolled-back', reason: 'verifier', version: '2' });
    expect(result.verifierExcerpt).toEqual(['0: (b7) r1 = 0', '1: (62) *(u32 *)(r1 +0) = 0']);
    expect(result.message).toBe("version 3 did not load: module 'syscount': prog 'syscall_enter': the kernel verifier rejected it (EACCES): R1 invalid mem access 'scalar'; version 2 keeps running");
    expect(readdirSync(dir).sort()).toEqual(['syscount.current', 'syscount@2.mote']);
  });

  it('removes a module for good: detached, left out after a restart, older packages still refused', () => {
    const device = boot(dir);
    device.install(signed(key, { version: '2' }));
    expect(device.remove('syscount')).toMatchObject({ outcome: 'removed', version: '2' });
    expect(device.modules.running.has('syscount')).toBe(false);
    expect(device.remove('syscount')).toMatchObject({ outcome: 'rejected', reason: 'unknown-module' });
    const rebooted = boot(dir);
    expect(rebooted.modules.running.has('syscount')).toBe(false);
    expect(rebooted.install(signed(key, { version: '2' }))).toMatchObject({ reason: 'stale-version' });
    expect(rebooted.install(signed(key, { version: '3' }))).toMatchObject({ outcome: 'accepted' });
  });

  it('removes a built-in module, which then stays removed', () => {
    expect(boot(dir).remove('execsnoop')).toMatchObject({ outcome: 'removed', version: '1' });
    expect(boot(dir).modules.running.has('execsnoop')).toBe(false);
  });

  it('falls back to the built-in when the stored package was tampered with', () => {
    boot(dir).install(signed(key, { version: '2' }));
    const tampered = Uint8Array.from(signed(key, { version: '2', manifest: '{"evil":1}' }));
    tampered[tampered.length - 1]! ^= 1;
    writeFileSync(join(dir, 'syscount@2.mote'), tampered);
    expect(boot(dir).modules.running.get('syscount')).toBe('1');
  });

  it('comes back with the old or the new version at every point power can fail during an update', () => {
    boot(dir).install(signed(key, { version: '2' }));
    const seen = new Set<string>();
    for (let calls = 0; ; calls++) {
      const files = filesLosingPowerAfter(calls);
      const device = boot(dir, files);
      const version = String(3 + calls);
      files.arm();
      try {
        device.install(signed(key, { version }));
      } catch (error) {
        if (!(error instanceof PowerLoss)) throw error;
      }
      const rebooted = boot(dir);
      const running = rebooted.modules.running.get('syscount')!;
      expect(running === version || Number(running) < Number(version)).toBe(true);
      expect(readdirSync(dir).sort()).toEqual(['syscount.current', `syscount@${running}.mote`]);
      seen.add(running === version ? 'new' : 'old');
      if (!files.crashed) break;
    }
    expect([...seen].sort()).toEqual(['new', 'old']);
  });
});
