/**
 * Bad input is counted always and logged at most once per device per minute, with how many
 * messages were held back since the last line: a broken or hostile device cannot flood the log.
 */
import { BoundedMap } from './bounded-map.ts';
import type { BadInputReason } from './fleet-events.ts';

const LOG_INTERVAL_MS = 60_000;
/** Devices whose last log time is remembered; past that, a device may be logged again early. */
const REMEMBERED_DEVICES = 10_000;

export class BadInputLog {
  private readonly lastLogged = new BoundedMap<string, { atMs: number; heldBack: number }>(REMEMBERED_DEVICES);

  constructor(private readonly log: (line: string) => void) {}

  note(device: string | null, reason: BadInputReason, detail: string, nowMs: number): void {
    const key = device ?? '';
    const last = this.lastLogged.get(key);
    if (last && nowMs - last.atMs < LOG_INTERVAL_MS) {
      last.heldBack++;
      return;
    }
    const held = last?.heldBack ? ` (${last.heldBack} more bad message(s) from it since the last line)` : '';
    this.log(`bad input from ${device === null ? 'an unknown device' : `device '${device.slice(0, 80)}'`}: ${reason}: ${detail.slice(0, 200)}${held}; logged at most once a minute per device`);
    this.lastLogged.set(key, { atMs: nowMs, heldBack: 0 });
  }
}
