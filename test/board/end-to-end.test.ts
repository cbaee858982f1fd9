/**
 * The board end to end: Debian 12's armhf kernel boots in qemu-system-arm with the image that
 * `mote build --board qemu-armv7` makes; the armhf agent loads every built-in module through
 * the minimized BTF built into it; a workload inside the guest causes known events; a real
 * mosquitto on the host receives the telemetry, which the test decodes and checks module by
 * module against the workload. `npm run test:kernels` runs the same checks on Debian 11, 12
 * and 13 kernels (test/kernels/).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guestBrokerUrl } from '../../bundler/board/guest-broker.ts';
import { Mosquitto } from '../support/mosquitto.ts';
import { bootOnce, type BootResult } from '../../bundler/board/boot-once.ts';
import { checkPublishedInSequence, endToEndConfig, loadedModules, moduleStatuses, MODULES, TelemetryCapture, WORKLOAD_CHECKS } from '../support/end-to-end.ts';

const DEVICE = `e2e-${process.pid}`;

describe('qemu-armv7 board end to end', () => {
  let broker: Mosquitto;
  let telemetry: TelemetryCapture;
  let boot: BootResult;

  beforeAll(async () => {
    broker = await Mosquitto.start();
    telemetry = await TelemetryCapture.start(broker.url, DEVICE);
    boot = await bootOnce(endToEndConfig(guestBrokerUrl(broker.url), DEVICE), {}, { seconds: 45, workload: true, limitMs: 240_000, consoleName: 'end-to-end.log' });
  });

  afterAll(async () => {
    await telemetry?.stop();
    await broker?.stop();
  });

  it('boots, runs the workload, and powers off after the agent stops', () => {
    expect(boot.console).toMatch(/mote-workload: done/);
    expect(boot.console).toMatch(/mote-init: mote-agent exited with status 0/);
  });

  it('loads every built-in module through the embedded minimized BTF', () => {
    const loaded = loadedModules(boot.console);
    for (const module of MODULES) expect(loaded.get(module)?.btf, module).toBe(`embedded:${boot.release}`);
    const online = telemetry.statuses.find((s) => s.state === 'online' && (s.modules?.length ?? 0) > 0)!;
    expect(online.machine).toMatch(/^armv7/);
    expect(moduleStatuses(telemetry.statuses)!.map((m) => [m.name, m.error ?? null]).sort()).toEqual(MODULES.map((m) => [m, null]));
    expect(telemetry.statuses[telemetry.statuses.length - 1]!.state).toBe('offline');
  });

  it('publishes every module, in sequence, without gaps', () => {
    for (const module of MODULES) checkPublishedInSequence(telemetry.envelopes, module);
  });

  for (const module of MODULES) {
    it(`${module}: ${WORKLOAD_CHECKS[module]!.describes}`, () => WORKLOAD_CHECKS[module]!.check(telemetry.envelopes));
  }
});
