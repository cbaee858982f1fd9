/**
 * Bad input is counted always and logged at most once per device per minute, with how many
 * messages were held back since the last line.
 */
import type { BadInputReason } from './fleet-events.ts';
import { ThrottledLog } from './throttled-log.ts';

export class BadInputLog {
  private readonly throttled: ThrottledLog;

  constructor(log: (line: string) => void) {
    this.throttled = new ThrottledLog(log);
  }

  note(device: string | null, reason: BadInputReason, detail: string, nowMs: number): void {
    this.throttled.note(device ?? '', (heldBack) => {
      const held = heldBack ? ` (${heldBack} more bad message(s) from it since the last line)` : '';
      return `bad input from ${device === null ? 'an unknown device' : `device '${device.slice(0, 80)}'`}: ${reason}: ${detail.slice(0, 200)}${held}; logged at most once a minute per device`;
    }, nowMs);
  }
}
