/**
 * Coverage-guided fuzzing, short: each target (test/fuzz/targets/) runs under libFuzzer for a
 * fixed number of inputs from a fixed seed (MOTE_FUZZ_SEED picks another), starting from its
 * seeds (made at run time) and its committed findings. Every input must end in a result or a MoteError:
 * a RangeError, a TypeError, a crash or a hang is a finding, saved under build/fuzz/findings/.
 * The corpus it ends with must reach both the target's results and its typed errors.
 * `npm run fuzz` runs the same targets for minutes (campaign.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildCacheDir } from '../../bundler/build/content-cache.ts';
import { runSeed } from '../support/fuzz/seeded-random.ts';
import { startingCorpus, FUZZ_TARGETS, fuzzTarget, replayCorpus } from './engine/run.ts';

const INPUTS = 3000;
const work = mkdtempSync(join(buildCacheDir('fuzz'), 'test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('coverage-guided fuzzing', () => {
  it.each(Object.keys(FUZZ_TARGETS))(`%s: ${INPUTS} inputs end in a result or a MoteError`, async (target) => {
    const result = await fuzzTarget(target, { runs: INPUTS, seed: runSeed(0x6d6f7465) || 1, workDir: join(work, target) });
    console.log(`${target}: ${result.executions} inputs, coverage counters ${result.initial.cov} after the corpus, ${result.final.cov} at the end`);
    if (result.status !== 0) {
      throw new Error(`${target}: libFuzzer ended with status ${result.status}${result.finding ? `; the input is in ${result.finding}` : ''}:\n${result.log.split('\n').slice(-30).join('\n')}`);
    }
    expect(result.executions).toBe(INPUTS);
    expect(result.final.cov).toBeGreaterThanOrEqual(result.initial.cov);
    expect(result.initial.cov).toBeGreaterThan(0);
    const replay = await replayCorpus(target, [...startingCorpus(target), join(work, target)]);
    console.log(`${target}: corpus of ${replay.inputs}: ${JSON.stringify(replay.outcomes)}`);
    for (const outcome of FUZZ_TARGETS[target]!.outcomes) expect(Object.keys(replay.outcomes).some((label) => label.includes(outcome)), `no input ended in ${outcome}`).toBe(true);
  });
});
