/**
 * The fuzz harness for asynchronous inputs that run in the test's own process (a package sent to
 * a real agent, say): inputs one after another, each with its own seeded PRNG, each raced against
 * the hang watchdog. Synchronous code cannot be interrupted in-process: fuzz it with
 * `fuzzInWorkers` (workers.ts) instead.
 */
import { HANG_WATCHDOG_MS, type FuzzRun, type MakeCase } from './fuzz-case.ts';
import { describeError, FuzzReport } from './fuzz-report.ts';
import { inputSeed, runSeed, seededRandom } from './seeded-random.ts';

const HUNG = Symbol('hung');

export async function fuzzInProcess(run: FuzzRun, makeCase: MakeCase): Promise<FuzzReport> {
  const seed = runSeed(run.seed);
  const report = new FuzzReport(run.name, seed, run.inputs);
  for (let index = 0; index < run.inputs; index++) {
    const fuzzCase = makeCase(seededRandom(inputSeed(seed, index)), index);
    let watchdog: NodeJS.Timeout | undefined;
    const hang = new Promise<typeof HUNG>((resolve) => (watchdog = setTimeout(() => resolve(HUNG), HANG_WATCHDOG_MS)));
    try {
      const outcome = await Promise.race([Promise.resolve().then(() => fuzzCase.run()), hang]);
      if (outcome === HUNG) {
        report.hung(index, fuzzCase.description, HANG_WATCHDOG_MS);
        break;
      }
      report.ended(outcome);
    } catch (error) {
      report.failed(index, fuzzCase.description, describeError(error));
    } finally {
      clearTimeout(watchdog);
    }
  }
  return report;
}
