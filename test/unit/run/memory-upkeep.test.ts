/**
 * The upkeep's policy (agent/src/run/memory-upkeep.ts): a release only once a backlog of more
 * than BACKLOG messages has drained to empty, once per burst, and QuickJS's next collection set
 * from the heap left after collecting; between bursts, a bare collection every COLLECT_MS. The
 * controls here record the calls and play a heap that collection shrinks; the binding's own calls
 * run in test/agent/memory-upkeep.test.ts.
 */
import { expect, it } from 'vitest';
import { BACKLOG, CHECK_MS, COLLECT_MS, MemoryUpkeep, type MemoryControls } from '../../../agent/src/run/memory-upkeep.ts';

function recording(heapBefore: number, heapAfter: number) {
  const calls: string[] = [];
  let heap = heapBefore;
  const controls: MemoryControls = {
    memoryUsage: () => ({ mallocSize: heap, memoryUsed: heap, objects: 0, strings: 0, bytecode: 0 }),
    collectGarbage: () => {
      calls.push('collect');
      heap = heapAfter;
    },
    setGcThreshold: (bytes) => calls.push(`threshold ${bytes}`),
    trimMemory: () => (calls.push('trim'), true),
  };
  return { controls, calls };
}

const noTimers = { setTimeout: () => undefined, clearTimeout: () => {} };
const lines: string[] = [];
const log = { info: (line: string) => lines.push(line), warn: (line: string) => lines.push(line) };

it('releases once after a burst drains, and not for small backlogs', () => {
  const { controls, calls } = recording(6_000_000, 2_000_000);
  let depth = 0;
  const upkeep = new MemoryUpkeep(controls, () => depth, noTimers, log);
  for (depth of [0, 5, BACKLOG, 3, 0, 0]) upkeep.check();
  expect(calls).toEqual([]);
  for (depth of [BACKLOG + 1, 5000, 120, 0]) upkeep.check();
  expect(calls).toEqual(['collect', 'threshold 3000000', 'trim']);
  for (depth of [0, 0, 10, 0]) upkeep.check();
  expect(calls).toHaveLength(3);
  expect(lines.at(-1)).toBe('memory: the outbox drained: QuickJS heap 5859 KiB, 1953 KiB after collection; the C allocator returned free pages to the kernel');
});

it('never sets the next collection below QuickJS\'s first threshold', () => {
  const { controls, calls } = recording(200_000, 100_000);
  new MemoryUpkeep(controls, () => 0, noTimers, log).release('modules loaded');
  expect(calls).toContain(`threshold ${256 * 1024}`);
});

it('collects every COLLECT_MS between bursts: a collection only, no heap walk, no threshold, no trim', () => {
  const { controls, calls } = recording(6_000_000, 2_000_000);
  const walks: number[] = [];
  const usage = controls.memoryUsage;
  controls.memoryUsage = () => (walks.push(1), usage());
  const pending = new Map<number, { delay: number; run: () => void }>();
  let next = 0;
  const timers = {
    setTimeout: (run: () => void, delay: number) => (pending.set(++next, { delay, run }), next),
    clearTimeout: (handle: unknown) => void pending.delete(handle as number),
  };
  const upkeep = new MemoryUpkeep(controls, () => 0, timers, log);
  upkeep.start();
  expect([...pending.values()].map((t) => t.delay).sort((a, b) => a - b)).toEqual([CHECK_MS, COLLECT_MS]);
  const fire = (delay: number) => {
    const [handle, timer] = [...pending.entries()].find(([, t]) => t.delay === delay)!;
    pending.delete(handle);
    timer.run();
  };
  fire(COLLECT_MS);
  fire(COLLECT_MS);
  fire(CHECK_MS);
  expect(calls).toEqual(['collect', 'collect']);
  expect(walks).toEqual([]);
  upkeep.stop();
  expect(pending.size).toBe(0);
});
