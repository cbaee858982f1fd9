/**
 * The kernel matrix (`npm run test:kernels`, not part of `npm test`): the board end to end of
 * test/board/end-to-end.test.ts on every (kernel × board) row of MATRIX_ROWS: Debian 11, 12 and
 * 13's armhf LPAE kernels (5.10, 6.1, 6.12) on QEMU `virt`, once more on 6.1 with the BPF JIT on,
 * Debian 12's non-LPAE armmp kernel on `vexpress-a9` (Cortex-A9) and on `mcimx6ul-evk` (i.MX 6UL),
 * and Debian 12's armel rpi kernel on `raspi0` (ARMv6) with the armel agent. The agent's
 * bytecode and module objects are the same for all, compiled once against bookworm's
 * armmp-lpae vmlinux.h; CO-RE relocates them against each kernel's BTF (bookworm armmp-lpae's
 * embedded, the others' installed on the image's disk). Each module's hook variant is the one
 * the agent reports; a module that cannot load on a kernel must fail for the reason recorded
 * in EXPECTED_FAILURES (a feature that kernel lacks), and every other module must load and see
 * the workload. The table goes to build/kernel-matrix.md and the console; the README shows it.
 */
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findBoard } from '../../bundler/board/board-catalog.ts';
import { boardKernelFlavour } from '../../bundler/board/guest-kernel.ts';
import { guestBrokerUrl } from '../../bundler/board/guest-broker.ts';
import { DEFAULT_FLAVOUR, ensureArmhfBtf, resolveArmhfKernelPackage } from '../../bundler/btf/armhf.ts';
import { DEBIAN_RELEASE, DEFAULT_SUITE, type KERNEL_SUITES } from '../../bundler/btf/debian-suite.ts';
import { buildDir } from '../../bundler/paths.ts';
import { bootOnce, type BootResult } from '../../bundler/board/boot-once.ts';
import { agentMemoryKiB, bpfJitEnabled, checkPublishedInSequence, endToEndConfig, loadedModules, moduleStatuses, MODULES, TelemetryCapture, WORKLOAD_CHECKS } from '../support/end-to-end.ts';
import { matrixMarkdown, type KernelRow } from '../support/kernel-matrix.ts';
import { Mosquitto } from '../support/mosquitto.ts';

interface MatrixRow {
  board: string;
  suite: (typeof KERNEL_SUITES)[number];
  /** bpf_jit_enable for the boot; the kernel's default (Debian's: off) when left out. */
  jit?: boolean;
  /** Modules this kernel cannot run, and the reason the agent must give (a feature it lacks). */
  expectedFailures?: Record<string, RegExp>;
}

const MATRIX_ROWS: MatrixRow[] = [
  { board: 'qemu-armv7', suite: 'bullseye' },
  { board: 'qemu-armv7', suite: 'bookworm' },
  { board: 'qemu-armv7', suite: 'bookworm', jit: true },
  { board: 'qemu-armv7', suite: 'trixie' },
  { board: 'qemu-vexpress-a9', suite: 'bookworm' },
  { board: 'qemu-imx6ul', suite: 'bookworm' },
  { board: 'qemu-raspi0', suite: 'bookworm' },
];

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

for (const spec of MATRIX_ROWS) {
  const board = findBoard(spec.board);
  const flavour = boardKernelFlavour(board);
  const jitLabel = spec.jit === undefined ? '' : `, JIT ${spec.jit ? 'on' : 'off'}`;
  describe(`${board.name}: Debian ${DEBIAN_RELEASE[spec.suite]} (${spec.suite}) ${flavour.arch} ${flavour.flavour} kernel${jitLabel}, end to end`, () => {
    const rowName = `${board.name}-${spec.suite}${spec.jit === undefined ? '' : `-jit${spec.jit ? 1 : 0}`}`;
    const device = `matrix-${rowName}-${process.pid}`;
    const expectedFailures = spec.expectedFailures ?? {};
    let telemetry: TelemetryCapture;
    let boot: BootResult;
    let row: KernelRow;

    beforeAll(async () => {
      const kernel = await resolveArmhfKernelPackage(spec.suite, flavour);
      row = { release: kernel.release, board: `${board.name} (${board.emulation!.qemuMachine})`, debian: `${DEBIAN_RELEASE[spec.suite]} ${spec.suite} (${kernel.version})`, bpf: 'not booted', btf: 'not made', modules: new Map(), recordsChecked: 0, agentPeakRss: '-' };
      rows.push(row);
      const full = kib(statSync((await ensureArmhfBtf(spec.suite, flavour)).btfPath).size);
      telemetry = await TelemetryCapture.start(broker.url, device);
      const extras = { kernelSuite: spec.suite, dir: join(buildDir, 'kernels', rowName) };
      boot = await bootOnce(endToEndConfig(guestBrokerUrl(broker.url), device), extras, { board: board.name, jit: spec.jit, seconds: 45, workload: true, limitMs: 900_000, consoleName: 'end-to-end.log' });
      await telemetry.stop();
      const jit = bpfJitEnabled(boot.console);
      row.bpf = jit === undefined ? 'unknown' : jit ? 'JIT' : 'interpreter';
      const memory = agentMemoryKiB(boot.console);
      if (memory) row.agentPeakRss = `${(memory.peak / 1024).toFixed(1)} MiB`;
      row.btf = boot.diskBtf ? `${full} → ${kib(boot.diskBtf.bytes)}, on disk` : `${full} → per module, embedded`;
    });

    it('boots, runs the workload, and powers off after the agent stops', () => {
      expect(boot.console).toMatch(/mote-workload: done/);
      expect(boot.console).toMatch(/mote-init: mote-agent exited with status 0/);
    });

    it(`runs BPF programs ${spec.jit ? 'through the JIT' : "in the kernel's interpreter (Debian's default)"}`, () => {
      expect(bpfJitEnabled(boot.console)).toBe(spec.jit ?? false);
    });

    const embedded = spec.suite === DEFAULT_SUITE && flavour.flavour === DEFAULT_FLAVOUR.flavour && flavour.arch === DEFAULT_FLAVOUR.arch;
    it(`takes the kernel's BTF from ${embedded ? 'the agent' : "the image's disk"}`, () => {
      expect(boot.diskBtf === undefined).toBe(embedded);
      const wanted = boot.diskBtf ? boot.diskBtf.guestPath : `embedded:${boot.release}`;
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
          expect(loaded, `${module} loaded on ${boot.release}; remove it from the row's expectedFailures`).toBeUndefined();
          expect(status?.error).toMatch(expectedFailure);
          return;
        }
        expect(loaded, `${module} did not load on ${boot.release}: ${status?.error}`).toBeDefined();
        expect(status?.variant).toBe(loaded!.variant);
        row.modules.set(module, `✗ ${loaded!.variant}, workload check failed`);
        checkPublishedInSequence(telemetry.envelopes, module);
        WORKLOAD_CHECKS[module]!.check(telemetry.envelopes);
        row.modules.set(module, `✓ ${loaded!.variant}${loaded!.flavours.length ? `, CO-RE flavour ${loaded!.flavours.join(' ')}` : ''}`);
        row.recordsChecked += telemetry.envelopes.filter((e) => e.module === module).length;
      });
    }
  });
}
