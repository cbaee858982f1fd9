/**
 * The rule every fuzz target checks: any input ends in a result or in a MoteError (the outcome is
 * then the error's class name); anything else thrown (a RangeError, a TypeError) escapes and is a
 * finding. Also where the targets find their fixed inputs: the seeds that the runner's parent
 * made in build/fuzz/seeds/ (engine/seeds.ts), read from the checkout the runner is started in.
 */
import { readFileSync } from 'node:fs';
import { MoteError } from '../../../agent/src/errors.ts';

export function typedOutcome(run: () => unknown): string {
  try {
    run();
    return 'result';
  } catch (error) {
    if (error instanceof MoteError) return error.name;
    throw error;
  }
}

/** A seed input, e.g. seedFile('core', 'snippet.bpf.o'). */
export function seedFile(kind: string, name: string): Uint8Array {
  return new Uint8Array(readFileSync(`build/fuzz/seeds/${kind}/${name}`));
}
