/**
 * A fuzz worker thread: prepares the target once, then makes and runs each of its inputs from
 * the input's own seed, and reports before and after every input, so the parent can name an
 * input that hangs (and stop this worker) or that fails.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { FuzzTargetModule } from './fuzz-case.ts';
import { describeError } from './fuzz-report.ts';
import { inputSeed, seededRandom } from './seeded-random.ts';
import type { WorkerJob, WorkerMessage } from './worker-protocol.ts';

const job = workerData as WorkerJob;
const post = (message: WorkerMessage) => parentPort!.postMessage(message);

try {
  const target = (await import(job.target)) as FuzzTargetModule;
  const makeCase = await target.prepare(job.data);
  for (let index = job.first; index < job.first + job.count; index++) {
    const fuzzCase = makeCase(seededRandom(inputSeed(job.seed, index)), index);
    post({ type: 'start', index, description: fuzzCase.description });
    try {
      post({ type: 'done', index, outcome: await fuzzCase.run() });
    } catch (error) {
      post({ type: 'failed', index, error: describeError(error) });
    }
  }
} catch (error) {
  post({ type: 'fatal', message: `the target did not prepare: ${describeError(error)}` });
}
