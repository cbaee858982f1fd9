/**
 * What a fuzz target gives the harness for each input: a description of the input (printed with
 * its seed when it fails) and a run that ends in an outcome label (a result, a typed error, ...)
 * or throws, which is a failure. A target module, for the worker runner, exports `prepare(data)`
 * returning the function that makes each input's case.
 */
import type { Random } from './seeded-random.ts';

export interface FuzzCase {
  description: string;
  run(): string | Promise<string>;
}

export type MakeCase = (random: Random, index: number) => FuzzCase;

export interface FuzzTargetModule {
  prepare(data: unknown): MakeCase | Promise<MakeCase>;
}

/** One test's fuzz run: how many inputs, from which fixed seed (MOTE_FUZZ_SEED overrides it). */
export interface FuzzRun {
  name: string;
  seed: number;
  inputs: number;
}

/** Far above what any input takes, even on a loaded machine: only a real hang trips it. */
export const HANG_WATCHDOG_MS = 30_000;
