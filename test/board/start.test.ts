/**
 * `mote start --seconds N` end to end, as `npm start` runs it: it builds and boots the emulated
 * board with a local mosquitto and shows the live view. Run once through a pseudo-terminal (the
 * view redraws in place) and once through a pipe; each time telemetry from every built-in module
 * shows, syscount's rows name the syscall and the process, the command exits 0 by itself, and no
 * qemu-system-arm or mosquitto it started outlives it. Its fleet dashboard lists the board with
 * every module running.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { accepts } from '../../bundler/broker/mosquitto.ts';
import { brokersOnPort, builtinModuleNames, lastSection, runStart, startGuests, type StartRun } from '../support/start-run.ts';

/** Long enough for the guest to boot and every module to publish a few windows, under a loaded `npm test`. */
const SECONDS = 40;
const LIMIT_MS = 240_000;
const REDRAW = '\x1b[H\x1b[J';
const MODULES = builtinModuleNames();

function missingTool(): string | null {
  for (const tool of ['script', 'qemu-system-arm', 'mosquitto']) {
    if (spawnSync('sh', ['-c', `command -v ${tool} || test -x /usr/sbin/${tool}`]).status !== 0) return `${tool} is not installed: run 'npm run setup'`;
  }
  return null;
}

const skip = missingTool();
if (skip) console.log(`mote start: skipped: ${skip}`);

/** Runs `mote start` and checks what every run must show and leave. */
async function checkedRun(via: 'pty' | 'pipe'): Promise<StartRun> {
  const guestsBefore = startGuests();
  const run = await runStart(SECONDS, via, LIMIT_MS);
  const tail = run.text.slice(-3000);
  console.log(`mote start via ${via}: exit ${run.code} after ${(run.ms / 1000).toFixed(1)} s`);
  expect(run.code, `mote start did not exit 0 by itself within ${LIMIT_MS} ms; it showed:\n${tail}`).toBe(0);
  expect(run.text).toContain(`[start] stopping after ${SECONDS} s`);
  for (const module of MODULES) {
    expect(run.text, tail).toMatch(new RegExp(`module ${module} \\S+: running`));
    expect(lastSection(run.text, module)?.records ?? 0, `${module}: no telemetry in the live view`).toBeGreaterThan(0);
  }
  expect(run.text.split('\n').filter((line) => /^\[serve\] (bad input|internal error)/.test(line)), 'the fleet dashboard refused or failed on the board\'s own messages').toEqual([]);
  const syscalls = lastSection(run.text, 'syscount')!.rows.slice(1);
  expect(syscalls.some((row) => /^\s*\d+\s+(clock_gettime64|read)\s+mote-agent\s/.test(row)), syscalls.join('\n')).toBe(true);
  expect(startGuests().filter((pid) => !guestsBefore.includes(pid)), 'qemu-system-arm left running').toEqual([]);
  expect(run.brokerPort, 'no local broker line').not.toBeNull();
  expect(brokersOnPort(run.brokerPort!), 'mosquitto left running').toEqual([]);
  expect(await accepts(run.brokerPort!)).toBe(false);
  return run;
}

describe.skipIf(skip !== null)('mote start', () => {
  it(`through a pseudo-terminal: redraws in place, every module shows, exits by itself after ${SECONDS} s`, async () => {
    const run = await checkedRun('pty');
    expect(run.raw).toContain(REDRAW);
  }, LIMIT_MS + 30_000);

  it(`through a pipe: plain lines, every module shows, the fleet dashboard lists the board, exits by itself after ${SECONDS} s`, async () => {
    const run = await checkedRun('pipe');
    expect(run.raw).not.toContain(REDRAW);
    const board = run.fleet?.devices.find((device) => device.device === 'qemu-armv7-demo');
    expect(board, `the dashboard never listed the board; last answer: ${JSON.stringify(run.fleet)}`).toBeDefined();
    expect(board!.arch).toBe('armv7l');
    expect(board!.modules.filter((module) => module.error === undefined).map((module) => module.name).sort()).toEqual(MODULES);
  }, LIMIT_MS + 30_000);
});
