/**
 * runqlat on the real kernel: three CPU-bound helpers on this machine's CPUs make the run queue
 * wait; the histogram is non-empty and every count sits in a plausible bucket (under 2^26 us,
 * about a minute).
 */
import { describe, expect, it } from 'vitest';
import { rootSkipReason } from '../support/agent.ts';
import { triggerBinary } from '../../bundler/fixtures/kernel-fixtures.ts';
import { recordsOf, sampleWhile, startTrigger } from '../support/module-sampling.ts';

const skipReason = rootSkipReason();
const SPINNERS = 3;
const MAX_PLAUSIBLE_BUCKETS = 27;

describe.skipIf(skipReason !== null)('runqlat', () => {
  it('gives a non-empty histogram of plausible latencies under a CPU-bound load', async () => {
    const run = await sampleWhile(['runqlat'], [], async () => {
      const triggers = await Promise.all(Array.from({ length: SPINNERS }, () => startTrigger(triggerBinary(), { calls: 0, udpPort: 0, execs: 0, spinMs: 400 })));
      await Promise.all(triggers.map((t) => t.run()));
    });
    const records = recordsOf(run, 'runqlat');
    const buckets = records.map((r) => r.buckets as number[]);
    const total = buckets.flat().reduce((sum, count) => sum + count, 0);
    expect(records.every((r) => r.kind === 'histogram' && r.unit === 'usecs')).toBe(true);
    expect(total).toBeGreaterThanOrEqual(SPINNERS);
    for (const histogram of buckets) expect(histogram.length).toBeLessThanOrEqual(MAX_PLAUSIBLE_BUCKETS);
  });
});
