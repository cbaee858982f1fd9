/** What the fuzz parent (workers.ts) and its worker threads (worker.ts) send each other. */

export interface WorkerJob {
  /** File URL of the target module (exports `prepare(data)`, see fuzz-case.ts). */
  target: string;
  data: unknown;
  seed: number;
  first: number;
  count: number;
}

export type WorkerMessage =
  | { type: 'start'; index: number; description: string }
  | { type: 'done'; index: number; outcome: string }
  | { type: 'failed'; index: number; error: string }
  | { type: 'fatal'; message: string };
