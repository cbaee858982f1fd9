/**
 * The tally of a fuzz run: how many inputs ended in each outcome, and every failure and hang
 * worded with the run seed, the input's index and its description, so the message a failing test
 * prints is enough to make that input again (MOTE_FUZZ_SEED=<seed>, input #<index>).
 */
import { hexSeed } from './seeded-random.ts';

export class FuzzReport {
  readonly outcomes = new Map<string, number>();
  /** Inputs that threw, hung or crashed their worker; each line names seed and index. */
  readonly problems: string[] = [];

  constructor(
    readonly name: string,
    readonly seed: number,
    readonly inputs: number,
  ) {}

  count(outcome: string): number {
    return this.outcomes.get(outcome) ?? 0;
  }

  get finished(): number {
    return [...this.outcomes.values()].reduce((a, b) => a + b, 0);
  }

  ended(outcome: string): void {
    this.outcomes.set(outcome, this.count(outcome) + 1);
  }

  failed(index: number, description: string, error: string): void {
    this.problems.push(`${this.where(index, description)} failed: ${error}`);
  }

  hung(index: number, description: string, ms: number): void {
    this.problems.push(`${this.where(index, description)} hung: no end after ${ms / 1000} s`);
  }

  /** A problem not tied to one input (a worker that would not start or crashed between inputs). */
  broke(message: string): void {
    this.problems.push(`${this.name} (MOTE_FUZZ_SEED=${hexSeed(this.seed)}): ${message}`);
  }

  summary(): string {
    return `${this.name}: ${this.finished} of ${this.inputs} inputs (seed ${hexSeed(this.seed)}): ${[...this.outcomes].map(([o, n]) => `${n} ${o}`).join(', ')}`;
  }

  private where(index: number, description: string): string {
    return `${this.name}: input #${index} of MOTE_FUZZ_SEED=${hexSeed(this.seed)} (${description})`;
  }
}

/** An error's first lines (its class and message, then where it was thrown), for a problem line. */
export function describeError(error: unknown): string {
  const text = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : `thrown ${typeof error}: ${String(error)}`;
  return text.split('\n').slice(0, 4).map((line) => line.trim()).join(' | ');
}
