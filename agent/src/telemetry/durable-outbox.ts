/**
 * The outbox kept on disk as well as in memory, for devices with flash: every message is
 * appended to a segmented log (log/segment-log.ts) when it is queued, so a crash, a SIGKILL or
 * (with the `always` fsync policy) a power loss loses nothing; after a restart the log is
 * replayed in order and those messages are sent first (their envelopes keep the old boot id and
 * sequence). The log is trimmed as the broker acknowledges: a segment is deleted once every
 * record in it was delivered or dropped.
 *
 * The bound is the log's size in bytes. Past it the oldest segment is deleted whole, and the
 * messages in it that were not yet sent are dropped and counted, so the consumer's sequence gaps
 * still add up exactly to `dropped`. Messages in flight stay in memory and are resent as usual.
 *
 * Memory holds entries only for the messages in flight and the newest `HOT` unsent ones. Older
 * unsent messages (a backlog from an outage, or from before a restart) are held as cold runs: one
 * entry stands for a range of consecutive records of the log, and grows by one count as each
 * message leaves the hot window. As the session reaches a run, up to `HOT` of its records are read
 * back (one segment read) and become entries again. So an outage of any length costs memory a
 * few entries, not one per message: nothing long-lived is left among the allocator's free blocks
 * when the backlog drains. The time a run reports for its first record is exact, or, after part
 * of it was read back or dropped, that of the record just before it (never later than the truth).
 */
import { Outbox, type OutboxEntry, type OutboxMessage } from './outbox.ts';
import type { Logger, TimerHandle, Timers } from './runtime.ts';
import { SegmentLog, type FsyncPolicy, type LogDamage, type LogFiles } from './log/segment-log.ts';

export interface DurableOutboxOptions {
  dir: string;
  maxBytes: number;
  /** Default: an eighth of `maxBytes`, at most 1 MiB. */
  segmentBytes?: number;
  fsync: FsyncPolicy;
}

/** Unsent messages held as entries of their own; also how many records are read back at once. */
const HOT = 64;
const COLD = new Uint8Array(0);

export class DurableOutbox extends Outbox {
  private readonly log: SegmentLog;
  private syncTimer: TimerHandle | undefined;
  /** Payload bytes of messages the log could not take (held in memory only), bounded like the log. */
  private memoryOnlyBytes = 0;
  /** Messages held in cold runs beyond the one entry each run takes: `depth` counts them. */
  private coldExtra = 0;

  constructor(
    files: LogFiles,
    private readonly options: DurableOutboxOptions,
    private readonly timers: Timers,
    private readonly logger: Logger,
  ) {
    super(Number.MAX_SAFE_INTEGER);
    const segmentBytes = options.segmentBytes ?? Math.min(1 << 20, Math.floor(options.maxBytes / 8));
    this.log = SegmentLog.open(files, { dir: options.dir, maxBytes: options.maxBytes, segmentBytes, fsync: options.fsync }, (m) => logger.warn(m));
    let replayed = 0;
    for (const { from, to, timeMs } of this.log.backlog.splice(0)) {
      const last = this.entries.at(-1);
      if (last?.cold !== undefined && last.index! + last.cold === from) this.growRun(last, to - from);
      else this.holdRun(from, to - from, timeMs);
      replayed += to - from;
    }
    if (replayed > 0) logger.info(`outbox ${options.dir}: ${replayed} records from before the restart, sent first`);
  }

  /** Messages held, in flight and cold runs included. */
  override get depth(): number {
    return this.entries.length + this.coldExtra;
  }

  /** Entries in memory (in flight, hot, and one per cold run): what the backlog costs the heap. */
  get entriesInMemory(): number {
    return this.entries.length;
  }

  /** Bytes the log takes on disk. */
  override get bytes(): number {
    return this.log.bytes;
  }

  /** What opening the log found torn or corrupt and cut off. */
  get damage(): LogDamage {
    return this.log.damage;
  }

  override get cutTails(): number {
    return this.log.damage.tails;
  }

  override push(message: OutboxMessage): void {
    const entry: OutboxEntry = { topic: message.topic, payload: message.payload, qos: message.qos, timeMs: message.timeMs ?? 0 };
    try {
      const { index, deleted } = this.log.append({ topic: entry.topic, payload: entry.payload, qos: entry.qos, timeMs: entry.timeMs! });
      for (const [from, to] of deleted) this.dropRange(from, to);
      entry.index = index;
    } catch (error) {
      this.logger.warn((error as Error).message);
      this.memoryOnlyBytes += entry.payload.length;
    }
    this.hold(entry);
    this.boundMemoryOnly();
    this.coolBacklog();
    this.scheduleSync();
  }

  /** The oldest message not yet sent, read back from disk if it was in a cold run. */
  override nextUnsent(): OutboxEntry | undefined {
    for (;;) {
      const entry = super.nextUnsent();
      if (entry?.cold === undefined) return entry;
      this.warm(entry);
    }
  }

  /** Every message held, oldest first; those of cold runs are read from disk (for inspection, not the hot path). */
  override snapshot(): OutboxMessage[] {
    return this.entries.flatMap((entry) => {
      if (entry.cold === undefined) return [{ topic: entry.topic, payload: entry.payload, qos: entry.qos }];
      const records: OutboxMessage[] = [];
      for (let index = entry.index!; index < entry.index! + entry.cold; ) {
        const batch = this.log.read(index, entry.index! + entry.cold - index);
        if (batch.length === 0) break;
        for (const { record } of batch) records.push({ topic: record.topic, payload: record.payload, qos: record.qos });
        index = batch.at(-1)!.index + 1;
      }
      return records;
    });
  }

  /** Fsyncs what is pending and records how far the broker has acknowledged. */
  flush(): void {
    if (this.syncTimer !== undefined) this.timers.clearTimeout(this.syncTimer);
    this.syncTimer = undefined;
    this.log.sync();
    this.log.checkpoint();
  }

  /** Flushes and closes the log (at a clean stop). */
  close(): void {
    if (this.syncTimer !== undefined) this.timers.clearTimeout(this.syncTimer);
    this.syncTimer = undefined;
    this.log.close();
  }

  protected override take(position: number): OutboxEntry {
    const entry = super.take(position);
    if (entry.index === undefined) this.memoryOnlyBytes -= entry.payload.length;
    if (entry.cold !== undefined) this.coldExtra -= entry.cold - 1;
    return entry;
  }

  /** A cold run of `count` records from `index`, its first made at `timeMs`; at `position`, by default the end. */
  private holdRun(index: number, count: number, timeMs: number, position = this.entries.length): void {
    this.entries.splice(position, 0, { topic: '', payload: COLD, qos: 1, timeMs, index, cold: count });
    this.coldExtra += count - 1;
  }

  private growRun(run: OutboxEntry, count: number): void {
    run.cold! += count;
    this.coldExtra += count;
  }

  /** Removes the first `count` records of the cold run at `position` (the whole run when it has no more). */
  private shrinkRun(position: number, count: number, nextTimeMs: number): void {
    const run = this.entries[position]!;
    if (run.cold! <= count) {
      this.take(position);
      return;
    }
    run.cold! -= count;
    run.index! += count;
    run.timeMs = nextTimeMs;
    run.topic = '';
    this.coldExtra -= count;
  }

  /** The unsent message just past the newest HOT joins the cold run before it, or starts one. */
  private coolBacklog(): void {
    const position = this.entries.length - HOT - 1;
    const entry = this.entries[position];
    if (!entry || entry.index === undefined || entry.packetId !== undefined || entry.cold !== undefined) return;
    const before = this.entries[position - 1];
    if (before?.cold !== undefined && before.index! + before.cold === entry.index) {
      this.entries.splice(position, 1);
      this.growRun(before, 1);
    } else {
      entry.payload = COLD;
      entry.cold = 1;
    }
  }

  /**
   * Reads back the first records of the cold run (one segment read) and puts them before it as
   * entries. Records that cannot be read are dropped and counted, with one warning for the lot.
   */
  private warm(run: OutboxEntry): void {
    const position = this.entries.indexOf(run);
    let lost = 0;
    while (this.entries[position] === run) {
      const from = run.index!;
      const records = this.log.read(from, Math.min(run.cold!, HOT));
      let read = 0;
      while (read < records.length && records[read]!.index === from + read) read++;
      if (read === 0) {
        lost++;
        this.droppedCount++;
        this.shrinkRun(position, 1, run.timeMs!);
        continue;
      }
      const warmed = records.slice(0, read).map(({ index, record }): OutboxEntry => ({ topic: record.topic, payload: record.payload, qos: record.qos, timeMs: record.timeMs, index }));
      this.shrinkRun(position, read, warmed.at(-1)!.timeMs!);
      this.entries.splice(position, 0, ...warmed);
      break;
    }
    if (lost > 0) this.logger.warn(`outbox ${this.options.dir}: ${lost} records could not be read back from disk; dropped`);
  }

  /** While the disk fails, messages held in memory only are bounded by the same bytes as the log. */
  private boundMemoryOnly(): void {
    for (let position = 0; this.memoryOnlyBytes > this.options.maxBytes && position < this.entries.length; ) {
      const entry = this.entries[position]!;
      if (entry.index !== undefined || entry.packetId !== undefined) {
        position++;
        continue;
      }
      this.take(position);
      this.droppedCount++;
    }
  }

  protected override delivered(): void {
    const first = this.entries.find((entry) => entry.index !== undefined)?.index ?? this.log.nextIndex;
    this.log.release(first);
    this.scheduleSync();
  }

  /** The log deleted records [from, to): those not in flight are gone, and counted. */
  private dropRange(from: number, to: number): void {
    for (let position = 0; position < this.entries.length; ) {
      const entry = this.entries[position]!;
      if (entry.index === undefined || entry.index >= to || entry.index + (entry.cold ?? 1) <= from) {
        position++;
      } else if (entry.cold !== undefined) {
        position += this.dropFromRun(position, from, to);
      } else if (entry.packetId !== undefined) {
        delete entry.index; // on the wire already: kept in memory until acknowledged
        this.memoryOnlyBytes += entry.payload.length;
        position++;
      } else {
        this.take(position);
        this.droppedCount++;
      }
    }
  }

  /** Drops the records of [from, to) from the cold run at `position`; returns how many entries now stand where it stood. */
  private dropFromRun(position: number, from: number, to: number): number {
    const run = this.entries[position]!;
    const start = run.index!;
    const end = start + run.cold!;
    const gone = Math.min(to, end) - Math.max(from, start);
    this.droppedCount += gone;
    if (from <= start) {
      this.shrinkRun(position, gone, run.timeMs!);
      return this.entries[position] === run ? 1 : 0;
    }
    // The records before `from` stay in this run; those after `to`, if any, form a run of their own.
    run.cold = from - start;
    this.coldExtra -= end - from;
    if (end <= to) return 1;
    this.holdRun(to, end - to, run.timeMs!, position + 1);
    return 2;
  }

  /** With an interval fsync policy, one sync (and `acked` checkpoint) that many ms after a change. */
  private scheduleSync(): void {
    if (this.syncTimer !== undefined) return;
    const delay = this.options.fsync === 'always' ? 1000 : this.options.fsync;
    this.syncTimer = this.timers.setTimeout(() => {
      this.syncTimer = undefined;
      this.log.sync();
      this.log.checkpoint();
    }, delay);
  }
}
