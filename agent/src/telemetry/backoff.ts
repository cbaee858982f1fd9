/**
 * Reconnect delays: exponential growth from `initialMs` to `maxMs`, with "equal jitter" (a random
 * half of each delay) so a fleet that lost its broker does not come back in lockstep.
 */
import type { Random } from './runtime.ts';

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 30_000 };

/** The delay before reconnect attempt `attempt` (0 for the first retry). */
export function backoffDelayMs(attempt: number, options: BackoffOptions, random: Random): number {
  const ceiling = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
