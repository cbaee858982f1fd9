/**
 * Telemetry's runtime interfaces (runtime.ts) and the transports' fd readiness, implemented on
 * QuickJS: os.setTimeout, os.setReadHandler/setWriteHandler, the binding's clocks, stderr.
 */
import * as os from 'os';
import * as std from 'std';
import type { Sys } from '../../sys/types.ts';
import type { Clock, Logger, Random, Timers } from '../runtime.ts';
import type { FdReadiness } from './readiness.ts';

export const quickjsTimers: Timers = {
  setTimeout: (callback, delayMs) => os.setTimeout(callback, delayMs),
  clearTimeout: (handle) => os.clearTimeout(handle),
};

export const quickjsReadiness: FdReadiness = {
  setReadHandler: (fd, handler) => os.setReadHandler(fd, handler),
  setWriteHandler: (fd, handler) => os.setWriteHandler(fd, handler),
};

export function sysClock(sys: Sys): Clock {
  return {
    monotonicMs: () => Number(sys.monotonicNs() / 1000n) / 1000,
    realtimeMs: () => Number(sys.realtimeNs() / 1000n) / 1000,
  };
}

export const mathRandom: Random = () => Math.random();

/** Log lines on stderr, prefixed by their level. */
export const stderrLogger: Logger = {
  info: (message) => std.err.puts(`info: ${message}\n`),
  warn: (message) => std.err.puts(`warn: ${message}\n`),
};

/** Makes a write to a socket the peer closed fail with EPIPE instead of killing the process. */
export function ignoreSigpipe(): void {
  os.signal(os.SIGPIPE, undefined);
}
