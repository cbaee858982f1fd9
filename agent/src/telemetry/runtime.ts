/**
 * What telemetry needs from its host, injected so the same code runs under QuickJS (os.setTimeout,
 * the binding's clocks) and under Node (tests). Nothing here may be taken from globals.
 */

/** An opaque handle from `Timers.setTimeout`. */
export type TimerHandle = unknown;

export interface Timers {
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export interface Clock {
  /** Milliseconds of CLOCK_MONOTONIC. */
  monotonicMs(): number;
  /** Milliseconds since the Unix epoch. */
  realtimeMs(): number;
}

/** A uniform random number in [0, 1), for backoff jitter. */
export type Random = () => number;

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
}
