/**
 * The agent's memory upkeep and its memory line, on the real host agent (glibc) with real BPF
 * modules and a real mosquitto:
 *  - SIGUSR1 logs one memory line whose RSS agrees with /proc, whose QuickJS heap is part of what
 *    glibc's malloc holds, and whose malloc figures are there (mallinfo2 through the binding);
 *  - after the loads, QuickJS's collector, the new threshold and malloc_trim run through the
 *    binding and the agent logs what they did;
 *  - a broker outage long enough for a backlog of more than BACKLOG messages, then the broker
 *    back: once the outbox is empty again the agent releases memory once more, and says so.
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { rootSkipReason } from '../support/agent.ts';
import { useMosquitto } from '../support/mosquitto.ts';
import { BACKLOG } from '../../agent/src/run/memory-upkeep.ts';
import { useAgentRuns } from './support.ts';

const broker = useMosquitto();
const runs = useAgentRuns(broker);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const RELEASE = /memory: (.+?): QuickJS heap (\d+) KiB, (\d+) KiB after collection; the C allocator returned (.+)/g;

function releases(log: string): Array<{ why: string; before: number; after: number }> {
  return [...log.matchAll(RELEASE)].map((m) => ({ why: m[1]!, before: Number(m[2]), after: Number(m[3]) }));
}

it.skipIf(rootSkipReason() !== null)('logs its memory on SIGUSR1, and releases memory after the loads and after a drained backlog', async () => {
  const device = 'memory-upkeep';
  // Every built-in module at 10 Hz: tens of records a second, so a few seconds away make a backlog.
  const agent = runs.start(['--device', device, '--interval-ms', '100', '--status-interval-ms', '1000']);
  await agent.waitFor('the release after the loads', () => releases(agent.stderr).some((r) => r.why === 'modules loaded'), 60_000);
  const loaded = releases(agent.stderr).find((r) => r.why === 'modules loaded')!;
  expect(loaded.before).toBeGreaterThan(0);
  expect(loaded.after).toBeGreaterThan(0);
  expect(loaded.after).toBeLessThanOrEqual(loaded.before);

  const lines = () => agent.stderr.split('\n').filter((l) => l.includes('memory (SIGUSR1)'));
  agent.signal('SIGUSR1');
  await agent.waitFor('the memory line', () => lines().length === 1, 10_000);
  const procRss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${agent.child.pid}/status`, 'utf8'))![1]);
  const line = lines()[0]!;
  const figures = /RSS (\d+) KiB \(anonymous (\d+), files (\d+)\), peak (\d+) KiB; QuickJS heap (\d+) KiB: objects (\d+) KiB, strings (\d+) KiB, bytecode (\d+) KiB, other (-?\d+) KiB; C allocator (\d+) KiB, free (\d+) KiB/.exec(line);
  expect(figures, line).not.toBeNull();
  const [rss, anonymous, files, peak, heap, objects, strings, bytecode, other, malloc, free] = figures!.slice(1).map(Number) as number[];
  expect(Math.abs(rss! - procRss) / procRss).toBeLessThan(0.2);
  expect(anonymous! + files!).toBeLessThanOrEqual(rss! + 64);
  expect(peak).toBeGreaterThanOrEqual(rss!);
  expect(Math.min(objects!, strings!, bytecode!, other!)).toBeGreaterThan(0);
  // QuickJS allocates through malloc: its heap is part of what malloc has in use.
  expect(free).toBeLessThan(malloc!);
  expect(heap).toBeLessThanOrEqual(malloc! - free! + 2);

  // Away long enough for three times BACKLOG records from the modules running at 10 Hz.
  const modules = /modules running: (.*)/.exec(agent.stderr)![1]!.split(', ').length;
  await broker().kill();
  await sleep(Math.ceil((3 * BACKLOG) / (modules * 10)) * 1000);
  await broker().startAgain();
  await agent.waitFor('the release after the drain', () => releases(agent.stderr).some((r) => r.why === 'the outbox drained'), 120_000);
  const drained = releases(agent.stderr).find((r) => r.why === 'the outbox drained')!;
  expect(drained.after).toBeLessThanOrEqual(drained.before);
  agent.signal('SIGTERM');
  expect((await agent.exit()).code).toBe(0);
}, 240_000);
