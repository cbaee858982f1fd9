/**
 * Broker failover with the real host agent and two real mosquittos: given `--broker A --broker B`
 * it starts on A; when A is killed it moves to B and its records go on there with no gap. Records
 * A took but did not acknowledge are sent again to B, and the agent counts every record once.
 * B then holds its status, and its Last Will when the agent is killed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, expect, it } from 'vitest';
import { rootSkipReason } from '../support/agent.ts';
import { useMosquitto } from '../support/mosquitto.ts';
import { Subscriber, waitUntil } from '../telemetry/harness.ts';
import { AgentProcess, STEADY_MODULE } from './support.ts';

const first = useMosquitto();
const second = useMosquitto();
const directory = mkdtempSync(join(tmpdir(), 'mote-failover-'));
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

async function subscriber(url: string, device: string): Promise<Subscriber> {
  const s = await Subscriber.connect(url, `mote/v1/${device}/#`);
  cleanup.push(() => s.close());
  return s;
}

function agent(args: string[]): AgentProcess {
  const process = AgentProcess.run(args);
  cleanup.push(() => process.kill());
  return process;
}

it.skipIf(rootSkipReason() !== null)('moves to the second broker when the first is killed: no gap, nothing counted twice, status and Last Will there', async () => {
  const device = 'failover';
  const args = ['--broker', first().url, '--broker', second().url, '--device', device, '--modules', STEADY_MODULE, '--interval-ms', '200', '--outbox-dir', join(directory, 'outbox'), '--status-interval-ms', '500'];
  const onFirst = await subscriber(first().url, device);
  const onSecond = await subscriber(second().url, device);
  const running = agent(args);
  await running.waitFor('records on the first broker', () => onFirst.telemetry().length >= 5, 30_000);
  expect(onSecond.telemetry()).toEqual([]);
  await first().kill();
  await running.waitFor('records on the second broker', () => onSecond.telemetry().length >= 10, 30_000);
  running.signal('SIGTERM');
  expect((await running.exit()).code).toBe(0);
  await waitUntil('the final status on the second broker', () => onSecond.statuses(device).some((s) => s.state === 'offline' && s.counters));

  const records = [...onFirst.telemetry(), ...onSecond.telemetry()];
  const boot = hex(records[0]!.bootId);
  expect(records.every((e) => hex(e.bootId) === boot && e.module === STEADY_MODULE)).toBe(true);
  const sequences = [...new Set(records.map((e) => e.sequence))].sort((a, b) => a - b);
  expect(sequences).toEqual([...sequences.keys()]);
  const final = onSecond.statuses(device).find((s) => s.state === 'offline' && s.counters)!;
  expect(hex(final.bootId)).toBe(boot);
  expect(final.counters).toMatchObject({ sent: sequences.length, dropped: 0, depth: 0 });
  expect(final.counters!.reconnects).toBeGreaterThanOrEqual(1);
  expect(onSecond.statuses(device).some((s) => s.state === 'online' && hex(s.bootId) === boot)).toBe(true);
  expect(running.stderr).toMatch(new RegExp(`mqtt: connected to 127\\.0\\.0\\.1:${second().port}`));

  // With the first broker still away, a new run reaches the second; killed, it leaves its Last Will there.
  const again = agent(args);
  await again.waitFor('the new run online on the second broker', () => onSecond.statuses(device).some((s) => s.state === 'online' && hex(s.bootId) !== boot), 30_000);
  const newBoot = hex(onSecond.statuses(device).find((s) => s.state === 'online' && hex(s.bootId) !== boot)!.bootId);
  again.signal('SIGKILL');
  await again.exit();
  await waitUntil('the Last Will on the second broker', () => onSecond.statuses(device).some((s) => s.state === 'offline' && !s.counters && hex(s.bootId) === newBoot), 20_000);
  const late = await subscriber(second().url, device);
  await waitUntil('the retained status', () => late.statuses(device).length > 0);
  expect(late.statuses(device)[0]).toMatchObject({ state: 'offline' });
  expect(hex(late.statuses(device)[0]!.bootId)).toBe(newBoot);
  expect(late.statuses(device)[0]!.counters).toBeUndefined();
}, 120_000);
