/**
 * syscount on the real kernel: a helper process makes N getppid calls; the module's counter
 * deltas for that process and syscall add up to exactly N.
 */
import { describe, expect, it } from 'vitest';
import { rootSkipReason } from '../support/agent.ts';
import { triggerBinary } from '../support/kernel-fixtures.ts';
import { counterTotal, recordsOf, sampleWhile, startTrigger } from '../support/module-sampling.ts';

const skipReason = rootSkipReason();
const CALLS = 777;
const GETPPID_X86_64 = 110;

describe.skipIf(skipReason !== null)('syscount', () => {
  it('counts exactly the getppid calls of a helper process', async () => {
    let pid = 0;
    const run = await sampleWhile(['syscount'], [], async () => {
      const trigger = await startTrigger(triggerBinary(), { calls: CALLS, udpPort: 0, execs: 0, spinMs: 0 });
      pid = trigger.pid;
      await trigger.run();
    });
    const records = recordsOf(run, 'syscount');
    expect(records.every((r) => r.kind === 'counter')).toBe(true);
    const total = counterTotal(records, (key) => Array.isArray(key) && key[0] === pid && key[1] === GETPPID_X86_64 && key[3] === 'calls');
    expect(total).toBe(CALLS);
  });
});
