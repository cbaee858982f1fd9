/**
 * Gives memory back after a burst. While the broker is away the outbox's backlog grows, and while
 * it drains QuickJS's heap holds thousands of messages at once; QuickJS frees them afterwards, but
 * it has raised its next collection to 1.5 times the burst's heap, and glibc's malloc keeps the
 * freed pages (the 30-minute soak saw 4 MiB held free after a 2-minute outage, RSS up 17%).
 *
 * So the agent checks the outbox every few seconds, and once a backlog of more than BACKLOG
 * messages is back to empty it runs QuickJS's cycle collector, sets the next collection to 1.5
 * times the heap that is left (QuickJS's own rule, from the right starting point), and asks the C
 * allocator to return its free pages (glibc's malloc_trim; musl unmaps freed pages itself). The
 * same release runs once after the modules are loaded, when relocation's buffers are gone.
 *
 * Between bursts, steady publishing leaves cycles that only the collector frees (about 10 KiB/s
 * on the soak). Left to QuickJS, the heap climbs for minutes to its threshold before a
 * collection, and RSS keeps the top of that saw-tooth. So the upkeep also collects every
 * COLLECT_MS, which keeps the heap near its floor; that is a collection only, with no heap walk
 * (memoryUsage) and no trim. A trim there was tried: glibc's heap then gave pages back and took
 * them again within each 30 s, and RSS swung by 250 KiB (3% on the soak) where it stays flat
 * without it.
 */
import type { Sys } from '../sys/types.ts';
import type { Logger, TimerHandle, Timers } from '../telemetry/runtime.ts';

/** A backlog above this many messages is a burst worth giving memory back after. */
export const BACKLOG = 256;
/** How often the outbox's depth is looked at. */
export const CHECK_MS = 5000;
/** How often the steady collection runs. */
export const COLLECT_MS = 30_000;
/** QuickJS's first threshold (JS_NewRuntime): no lower than this. */
const MIN_GC_THRESHOLD = 256 * 1024;

export type MemoryControls = Pick<Sys, 'collectGarbage' | 'setGcThreshold' | 'trimMemory' | 'memoryUsage'>;

/** What one release did, in bytes of QuickJS's heap, and whether the C allocator gave pages back. */
export interface Release {
  heapBefore: number;
  heapAfter: number;
  trimmed: boolean;
}

/** Collects, resets QuickJS's next collection to 1.5x the heap left, and trims the C allocator. */
export function releaseMemory(controls: MemoryControls): Release {
  const heapBefore = controls.memoryUsage().mallocSize;
  controls.collectGarbage();
  const heapAfter = controls.memoryUsage().mallocSize;
  controls.setGcThreshold(Math.max(MIN_GC_THRESHOLD, Math.floor(heapAfter * 1.5)));
  return { heapBefore, heapAfter, trimmed: controls.trimMemory() };
}

export class MemoryUpkeep {
  private burst = false;
  private timer: TimerHandle | undefined;
  private collectTimer: TimerHandle | undefined;

  constructor(
    private readonly controls: MemoryControls,
    /** The outbox's depth, in messages. */
    private readonly depth: () => number,
    private readonly timers: Timers,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.scheduleCheck();
    this.scheduleCollection();
  }

  stop(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    if (this.collectTimer !== undefined) this.timers.clearTimeout(this.collectTimer);
    this.timer = undefined;
    this.collectTimer = undefined;
  }

  private scheduleCheck(): void {
    this.timer = this.timers.setTimeout(() => {
      this.check();
      this.scheduleCheck();
    }, CHECK_MS);
  }

  private scheduleCollection(): void {
    this.collectTimer = this.timers.setTimeout(() => {
      this.controls.collectGarbage();
      this.scheduleCollection();
    }, COLLECT_MS);
  }

  /** One look at the outbox: a release when a burst has just drained. */
  check(): void {
    const depth = this.depth();
    if (depth > BACKLOG) this.burst = true;
    else if (depth === 0 && this.burst) {
      this.burst = false;
      this.release('the outbox drained');
    }
  }

  release(why: string): Release {
    const done = releaseMemory(this.controls);
    const kib = (bytes: number) => Math.round(bytes / 1024);
    this.log.info(`memory: ${why}: QuickJS heap ${kib(done.heapBefore)} KiB, ${kib(done.heapAfter)} KiB after collection; ${done.trimmed ? 'the C allocator returned free pages to the kernel' : 'the C allocator returned nothing (none free, or musl, which returns them itself)'}`);
    return done;
  }
}
