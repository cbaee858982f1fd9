/**
 * syscount on the real kernel: a helper process makes N getppid calls; the module's counter
 * deltas for that process and syscall add up to exactly N; with measure_latency set, the
 * calls are still exact and the time spent in them is counted too.
 */
import { describe, expect, it } from 'vitest';
import { rootSkipReason } from '../support/agent.ts';
import { triggerBinary } from '../support/kernel-fixtures.ts';
import { counterTotal, recordsOf, sampleWhile, startTrigger } from '../support/module-sampling.ts';

const skipReason = rootSkipReason();
const CALLS = 777;
const GETPPID_X86_64 = 110;

async function getppidTotals(extraArgs: string[]): Promise<{ calls: number; latencyNs: number; kinds: string[] }> {
  let pid = 0;
  const run = await sampleWhile(['syscount'], extraArgs, async () => {
    const trigger = await startTrigger(triggerBinary(), { calls: CALLS, udpPort: 0, execs: 0, spinMs: 0 });
    pid = trigger.pid;
    await trigger.run();
  });
  const records = recordsOf(run, 'syscount');
  const total = (field: string) => counterTotal(records, (key) => Array.isArray(key) && key[0] === pid && key[1] === GETPPID_X86_64 && key[3] === field);
  return { calls: total('calls'), latencyNs: total('latency_ns'), kinds: [...new Set(records.map((r) => r.kind))] };
}

describe.skipIf(skipReason !== null)('syscount', () => {
  it('counts exactly the getppid calls of a helper process', async () => {
    const totals = await getppidTotals([]);
    expect(totals).toEqual({ calls: CALLS, latencyNs: 0, kinds: ['counter'] });
  });

  it('also sums their latency when measure_latency is set', async () => {
    const totals = await getppidTotals(['--set', 'syscount.measure_latency=1']);
    expect(totals.calls).toBe(CALLS);
    expect(totals.latencyNs).toBeGreaterThan(0);
  });
});
