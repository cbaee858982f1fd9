/**
 * The rule every fuzz target checks: any input ends in a result or in a MoteError (the outcome is
 * then the error's class name); anything else thrown (a RangeError, a TypeError) escapes and is a
 * finding. Also where the targets find their fixed inputs: test/fuzz/corpus/, read from the
 * checkout the runner is started in.
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

/** A committed corpus file, e.g. corpusFile('core', 'snippet.bpf.o'). */
export function corpusFile(target: string, name: string): Uint8Array {
  return new Uint8Array(readFileSync(`test/fuzz/corpus/${target}/${name}`));
}
