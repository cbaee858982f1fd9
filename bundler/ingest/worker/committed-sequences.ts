/**
 * The records a worker has stored, per stream (device and module): the sequence numbers of one
 * boot from the first stored one up to the end of the unbroken run, plus the stored ones past a
 * gap. A redelivered record that is in here is acknowledged without a second write. Anything not
 * in here is written (again): the database keeps one copy of identical samples, so forgetting
 * (a new worker, a bound reached) costs a write, never a record.
 */
import { BoundedMap } from '../bounded-map.ts';

/** Stored numbers past a gap kept per stream; when more, the run jumps forward. */
const MAX_AHEAD = 4096;

interface StreamState {
  boot: string;
  /** Every number in [start, end) is stored. */
  start: number;
  end: number;
  ahead: Set<number>;
}

export class CommittedSequences {
  private readonly streams: BoundedMap<string, StreamState>;

  constructor(maxStreams: number) {
    this.streams = new BoundedMap(maxStreams);
  }

  has(stream: string, boot: string, sequence: number): boolean {
    const state = this.streams.peek(stream);
    if (!state || state.boot !== boot) return false;
    return (sequence >= state.start && sequence < state.end) || state.ahead.has(sequence);
  }

  add(stream: string, boot: string, sequence: number): void {
    let state = this.streams.get(stream);
    if (!state || state.boot !== boot) {
      this.streams.set(stream, (state = { boot, start: sequence, end: sequence + 1, ahead: new Set() }));
      return;
    }
    if (sequence === state.end) {
      state.end++;
      while (state.ahead.delete(state.end)) state.end++;
    } else if (sequence === state.start - 1) {
      state.start--;
    } else if (sequence > state.end) {
      state.ahead.add(sequence);
      if (state.ahead.size > MAX_AHEAD) {
        const lowest = Math.min(...state.ahead);
        state.ahead.delete(lowest);
        state.start = lowest;
        state.end = lowest + 1;
        while (state.ahead.delete(state.end)) state.end++;
      }
    }
  }
}
