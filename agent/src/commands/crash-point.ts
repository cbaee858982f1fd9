/**
 * MOTE_CRASH_POINT, the module store's fault-injection switch: when the environment names one of
 * the store's crash points (STORE_CRASH_POINTS in ota/store.ts), `mote-agent run` sends itself
 * SIGKILL the first time an update passes that point, as a power cut there would. It is read
 * from the environment only, it can only stop the process (never change what is written), and
 * an agent started with it says so in its log. A name that is not a crash point is refused, so a
 * typo cannot pass silently for a test that found nothing.
 */
import * as os from 'os';
import * as std from 'std';
import type { Sys } from '../sys/types.ts';
import type { Logger } from '../telemetry/runtime.ts';
import { STORE_CRASH_POINTS, type CrashPointHook } from '../ota/store.ts';
import { ArgumentError } from './args.ts';

export const CRASH_POINT_VARIABLE = 'MOTE_CRASH_POINT';

/** Linux's SIGKILL, the same number on every architecture. */
const SIGKILL = 9;

/** The hook that stops the agent at the named crash point, or undefined when none is named. */
export function crashPointFromEnvironment(sys: Sys, log: Logger): CrashPointHook | undefined {
  const point = std.getenv(CRASH_POINT_VARIABLE);
  if (point === undefined || point === '') return undefined;
  if (!STORE_CRASH_POINTS.includes(point)) {
    throw new ArgumentError(`${CRASH_POINT_VARIABLE}=${point} is not a crash point of the module store; use one of ${STORE_CRASH_POINTS.join(', ')}, or unset it`);
  }
  log.warn(`${CRASH_POINT_VARIABLE}=${point}: this agent kills itself when an update reaches that step (a fault-injection test switch; unset it in production)`);
  return (reached) => {
    if (reached === point) os.kill(sys.getpid(), SIGKILL);
  };
}
