/**
 * What a device transport needs from its host: fd readiness callbacks (QuickJS's
 * os.setReadHandler / os.setWriteHandler), timers, and the `Sys` binding. Injected, so the
 * transports name no runtime module themselves.
 */
import type { Sys } from '../../sys/types.ts';
import type { Timers } from '../runtime.ts';

/** Level-triggered readiness of fds; a null handler stops watching. One handler per fd and kind. */
export interface FdReadiness {
  setReadHandler(fd: number, handler: (() => void) | null): void;
  setWriteHandler(fd: number, handler: (() => void) | null): void;
}

export interface SocketEnv {
  sys: Sys;
  readiness: FdReadiness;
  timers: Timers;
}
