/** Node implementations of telemetry's runtime interfaces, and a logger that keeps its lines. */
import type { Clock, Logger, Timers } from '../../agent/src/telemetry/runtime.ts';

export const nodeTimers: Timers = {
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export const nodeClock: Clock = {
  monotonicMs: () => performance.now(),
  realtimeMs: () => Date.now(),
};

export class MemoryLogger implements Logger {
  readonly lines: string[] = [];
  info(message: string): void {
    this.lines.push(`info: ${message}`);
  }
  warn(message: string): void {
    this.lines.push(`warn: ${message}`);
  }
}
