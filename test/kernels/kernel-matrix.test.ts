/**
 * The kernel matrix (`npm run test:kernels`, not part of `npm test`): the board end to end of
 * test/board/end-to-end.test.ts on Debian 11, 12 and 13's armhf kernels (5.10, 6.1, 6.12). The
 * agent and its module objects are the same for all three, compiled once against bookworm's
 * vmlinux.h; CO-RE relocates them against each kernel's BTF (bookworm's embedded, the others'
 * installed on the image's disk). A module that cannot load on a kernel must fail for the reason
 * recorded below, and every other module must still run and see the workload. The resulting
 * table goes to build/kernel-matrix.md and the console; the README shows it.
 */
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guestBrokerUrl } from '../../bundler/board/guest-broker.ts';
import { ensureArmhfBtf, resolveArmhfKernelPackage } from '../../bundler/btf/armhf.ts';
import { DEBIAN_RELEASE, DEFAULT_SUITE, KERNEL_SUITES } from '../../bundler/btf/debian-suite.ts';
import { buildDir } from '../../bundler/paths.ts';
import { bootOnce, type BootResult } from '../../bundler/board/boot-once.ts';
import { checkPublishedInSequence, endToEndConfig, loadedModules, moduleStatuses, MODULES, TelemetryCapture, WORKLOAD_CHECKS } from '../support/end-to-end.ts';
import { matrixMarkdown, type KernelRow } from '../support/kernel-matrix.ts';
import { Mosquitto } from '../support/mosquitto.ts';

/** Modules known not to load on a suite's kernel, and the reason the agent must give. */
const EXPECTED_FAILURES: Partial<Record<(typeof KERNEL_SUITES)[number], Record<string, RegExp>>> = {
  // 5.10's block_rq_complete tracepoint has its own event struct, not the block_rq_completion class.
  bullseye: { bitehist: /trace_event_raw_block_rq_completion/ },
};

const MATRIX_FILE = join(buildDir, 'kernel-matrix.md');
const rows: KernelRow[] = [];
let broker: Mosquitto;

beforeAll(async () => {
  broker = await Mosquitto.start();
});

afterAll(async () => {
  await broker?.stop();
  mkdirSync(buildDir, { recursive: true });
  const table = matrixMarkdown(rows, MODULES);
  writeFileSync(MATRIX_FILE, table);
  process.stdout.write(`\nkernel matrix (${MATRIX_FILE}):\n${table}`);
});

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

for (const suite of KERNEL_SUITES) {
  describe(`Debian ${DEBIAN_RELEASE[suite]} (${suite}) armhf kernel end to end`, () => {
    const device = `matrix-${suite}-${process.pid}`;
    const expectedFailures = EXPECTED_FAILURES[suite] ?? {};
    let telemetry: TelemetryCapture;
    let boot: BootResult;
    let row: KernelRow;

    beforeAll(async () => {
      const kernel = await resolveArmhfKernelPackage(suite);
      row = { release: kernel.release, debian: `${DEBIAN_RELEASE[suite]} ${suite} (${kernel.version})`, btf: 'not made', modules: new Map(), recordsChecked: 0 };
      rows.push(row);
      const full = kib(statSync((await ensureArmhfBtf(suite)).btfPath).size);
      telemetry = await TelemetryCapture.start(broker.url, device);
      const extras = { kernelSuite: suite, dir: join(buildDir, 'kernels', suite) };
      boot = await bootOnce(endToEndConfig(guestBrokerUrl(broker.url), device), extras, { seconds: 45, workload: true, limitMs: 300_000, consoleName: 'end-to-end.log' });
      await telemetry.stop();
      row.btf = boot.diskBtf ? `${full} → ${kib(boot.diskBtf.bytes)}, on disk` : `${full} → per module, embedded`;
    });

    it('boots, runs the workload, and powers off after the agent stops', () => {
      expect(boot.console).toMatch(/mote-workload: done/);
      expect(boot.console).toMatch(/mote-init: mote-agent exited with status 0/);
    });

    it(`takes the kernel's BTF from ${suite === DEFAULT_SUITE ? 'the agent' : "the image's disk"}`, () => {
      const wanted = boot.diskBtf ? boot.diskBtf.guestPath : `embedded:${boot.release}`;
      expect(boot.diskBtf === undefined).toBe(suite === DEFAULT_SUITE);
      for (const [module, loaded] of loadedModules(boot.console)) expect(loaded.btf, module).toBe(wanted);
    });

    for (const module of MODULES) {
      const expectedFailure = expectedFailures[module];
      it(`${module}: ${expectedFailure ? `fails to load, saying ${expectedFailure}` : WORKLOAD_CHECKS[module]!.describes}`, () => {
        const loaded = loadedModules(boot.console).get(module);
        const status = moduleStatuses(telemetry.statuses)?.find((m) => m.name === module);
        const reason = status?.error?.replace(/^module '\w+' \([^)]*\): /, '') ?? 'not loaded, and not in the status';
        if (!loaded) row.modules.set(module, `✗ ${reason}`);
        if (expectedFailure) {
          expect(loaded, `${module} loaded on ${boot.release}; remove it from EXPECTED_FAILURES`).toBeUndefined();
          expect(status?.error).toMatch(expectedFailure);
          return;
        }
        expect(loaded, `${module} did not load on ${boot.release}: ${status?.error}`).toBeDefined();
        expect(status?.variant).toBe(loaded!.variant);
        row.modules.set(module, `✗ ${loaded!.variant}, workload check failed`);
        checkPublishedInSequence(telemetry.envelopes, module);
        WORKLOAD_CHECKS[module]!.check(telemetry.envelopes);
        row.modules.set(module, `✓ ${loaded!.variant}`);
        row.recordsChecked += telemetry.envelopes.filter((e) => e.module === module).length;
      });
    }
  });
}
