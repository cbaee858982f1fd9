/**
 * The fuzz harness for synchronous code (parsers, the loader core): inputs split over worker
 * threads, each input made from its own seed inside the worker by the target module. The parent
 * arms the hang watchdog at every message: an input that gets no answer within it is reported as
 * a hang with its seed and index, and its worker is stopped. No time limit below that: how fast
 * an input runs is never a pass or a fail.
 */
import { Worker } from 'node:worker_threads';
import { HANG_WATCHDOG_MS, type FuzzRun } from './fuzz-case.ts';
import { FuzzReport } from './fuzz-report.ts';
import { runSeed } from './seeded-random.ts';
import type { WorkerJob, WorkerMessage } from './worker-protocol.ts';

/** Starting a worker loads TypeScript and prepares the target: slow on a loaded machine, and not an input. */
const WORKER_START_WATCHDOG_MS = 4 * HANG_WATCHDOG_MS;

export interface WorkerFuzzRun extends FuzzRun {
  /** The target module (exports `prepare(data)`), e.g. new URL('./x.fuzz.ts', import.meta.url). */
  target: URL;
  /** Handed to the target's prepare() in every worker (structured-cloned). */
  data: unknown;
  workers?: number;
}

function runWorker(job: WorkerJob, report: FuzzReport): Promise<void> {
  return new Promise((resolve) => {
    const worker = new Worker(new URL('./worker.mjs', import.meta.url), { workerData: job });
    let current: { index: number; description: string } | undefined;
    let watchdog: NodeJS.Timeout | undefined;
    const arm = (ms: number) => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        if (current) report.hung(current.index, current.description, ms);
        else report.broke(`a worker did not start within ${ms / 1000} s`);
        void worker.terminate();
      }, ms);
    };
    arm(WORKER_START_WATCHDOG_MS);
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'start') current = { index: message.index, description: message.description };
      else if (message.type === 'done') report.ended(message.outcome);
      else if (message.type === 'failed') report.failed(message.index, current?.description ?? '', message.error);
      else report.broke(message.message);
      arm(HANG_WATCHDOG_MS);
    });
    worker.on('error', (error) => report.broke(`worker crashed${current ? ` at input #${current.index} (${current.description})` : ''}: ${error.stack ?? error}`));
    worker.on('exit', () => {
      clearTimeout(watchdog);
      resolve();
    });
  });
}

export async function fuzzInWorkers(run: WorkerFuzzRun): Promise<FuzzReport> {
  const seed = runSeed(run.seed);
  const report = new FuzzReport(run.name, seed, run.inputs);
  const workers = run.workers ?? 2;
  const share = Math.ceil(run.inputs / workers);
  const jobs = Array.from({ length: workers }, (_, w) => ({ target: run.target.href, data: run.data, seed, first: w * share, count: Math.max(0, Math.min(share, run.inputs - w * share)) }));
  await Promise.all(jobs.filter((job) => job.count > 0).map((job) => runWorker(job, report)));
  return report;
}
