/**
 * A log that says each kind of thing at most once a minute, with how many were held back since
 * its last line: a broken or hostile device, or a bug hit by every message, cannot flood the log.
 */
import { BoundedMap } from './bounded-map.ts';

const LOG_INTERVAL_MS = 60_000;
/** Keys whose last log time is remembered; past that, a key may be logged again early. */
const REMEMBERED_KEYS = 10_000;

export class ThrottledLog {
  private readonly lastLogged = new BoundedMap<string, { atMs: number; heldBack: number }>(REMEMBERED_KEYS);

  constructor(private readonly log: (line: string) => void) {}

  /** Logs `line(heldBack)` unless `key` was logged less than a minute ago. */
  note(key: string, line: (heldBack: number) => string, nowMs: number): void {
    const last = this.lastLogged.get(key);
    if (last && nowMs - last.atMs < LOG_INTERVAL_MS) {
      last.heldBack++;
      return;
    }
    this.log(line(last?.heldBack ?? 0));
    this.lastLogged.set(key, { atMs: nowMs, heldBack: 0 });
  }
}
