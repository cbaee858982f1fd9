/**
 * Duplicates and gaps in one stream of records (one device and module): the sequence numbers of
 * one boot run 0, 1, 2, ... A number at or past the next expected one is new; the numbers it
 * skips are held as missing for a grace period, because MQTT can deliver out of order across
 * reconnects and brokers. A missing number that arrives in time is new, not lost; one still
 * missing after the grace (or pushed out of the bounded set) is counted lost. Anything else
 * below the next expected number is a duplicate. A new boot id starts the stream over, and
 * whatever was still missing from the old boot is lost.
 */

/** At most this many missing numbers are held per stream; older ones are counted lost at once. */
const MAX_MISSING = 256;

export type SequenceVerdict = { duplicate: true } | { duplicate: false; lost: number };

export class SequenceWindow {
  private boot: string;
  private nextExpected: number;
  /** Missing sequence numbers and when they went missing, oldest first. */
  private readonly missing = new Map<number, number>();

  constructor(boot: string, sequence: number) {
    this.boot = boot;
    this.nextExpected = sequence + 1;
  }

  /** A record after the first: is it new, and how many records are now known lost? */
  see(boot: string, sequence: number, nowMs: number, graceMs: number): SequenceVerdict {
    if (boot !== this.boot) {
      const lost = this.missing.size;
      this.missing.clear();
      this.boot = boot;
      this.nextExpected = sequence + 1;
      return { duplicate: false, lost };
    }
    if (sequence < this.nextExpected) {
      if (!this.missing.delete(sequence)) return { duplicate: true };
      return { duplicate: false, lost: this.expire(nowMs, graceMs) };
    }
    let lost = 0;
    const skipped = sequence - this.nextExpected;
    if (skipped > MAX_MISSING) lost += skipped - MAX_MISSING;
    for (let n = Math.max(this.nextExpected, sequence - MAX_MISSING); n < sequence; n++) this.missing.set(n, nowMs);
    this.nextExpected = sequence + 1;
    return { duplicate: false, lost: lost + this.expire(nowMs, graceMs) };
  }

  /** Counts and forgets the numbers missing for longer than the grace, or beyond the bound. */
  expire(nowMs: number, graceMs: number): number {
    let lost = 0;
    for (const [sequence, sinceMs] of this.missing) {
      if (this.missing.size <= MAX_MISSING && nowMs - sinceMs < graceMs) break;
      this.missing.delete(sequence);
      lost++;
    }
    return lost;
  }

  get hasMissing(): boolean {
    return this.missing.size > 0;
  }
}
