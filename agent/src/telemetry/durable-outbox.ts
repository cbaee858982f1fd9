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
 * Memory keeps the payloads of the newest `HOT` unsent messages and of those in flight; older
 * ones (a backlog from an outage or from before a restart) stay on disk only and are read back a
 * batch at a time, one segment read, as the session reaches them. So a long outage costs RAM only
 * a small record per message, not its payload.
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

/** Unsent messages whose payloads stay in memory; also how many are read back at once. */
const HOT = 64;
const COLD = new Uint8Array(0);

export class DurableOutbox extends Outbox {
  private readonly log: SegmentLog;
  private syncTimer: TimerHandle | undefined;
  /** Payload bytes of messages the log could not take (held in memory only), bounded like the log. */
  private memoryOnlyBytes = 0;

  constructor(
    files: LogFiles,
    private readonly options: DurableOutboxOptions,
    private readonly timers: Timers,
    private readonly logger: Logger,
  ) {
    super(Number.MAX_SAFE_INTEGER);
    const segmentBytes = options.segmentBytes ?? Math.min(1 << 20, Math.floor(options.maxBytes / 8));
    this.log = SegmentLog.open(files, { dir: options.dir, maxBytes: options.maxBytes, segmentBytes, fsync: options.fsync }, (m) => logger.warn(m));
    const replayed = this.log.replayed.splice(0);
    replayed.forEach(({ index, record }, position) => this.hold(position < HOT ? { ...record, index } : { ...record, payload: COLD, index, cold: true }));
    if (replayed.length > 0) logger.info(`outbox ${options.dir}: ${replayed.length} records from before the restart, sent first`);
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

  /** The oldest message not yet sent, its payload read back from disk if it was there only. */
  override nextUnsent(): OutboxEntry | undefined {
    const entry = super.nextUnsent();
    if (entry?.cold) this.warm(entry);
    return entry?.cold ? this.nextUnsent() : entry;
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
    return entry;
  }

  /** Leaves on disk only the payload of the unsent message just past the newest HOT. */
  private coolBacklog(): void {
    const entry = this.entries[this.entries.length - HOT - 1];
    if (entry && entry.index !== undefined && entry.packetId === undefined && !entry.cold) {
      entry.payload = COLD;
      entry.cold = true;
    }
  }

  /** Reads back the payloads of `entry` and the cold messages after it (one segment read); one that cannot be read is dropped and counted. */
  private warm(entry: OutboxEntry): void {
    const records = new Map(this.log.read(entry.index!, HOT).map(({ index, record }) => [index, record]));
    const start = this.entries.indexOf(entry);
    for (let position = start; position < this.entries.length && position < start + HOT; position++) {
      const e = this.entries[position]!;
      const record = e.cold ? records.get(e.index!) : undefined;
      if (record && record.topic === e.topic) {
        e.payload = record.payload;
        // Not `delete`: QuickJS gives an object that loses a property a shape of its own.
        e.cold = false;
      }
    }
    if (entry.cold) {
      this.logger.warn(`outbox ${this.options.dir}: record ${entry.index} could not be read back from disk; dropped`);
      this.take(start);
      this.droppedCount++;
    }
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
      if (entry.index === undefined || entry.index < from || entry.index >= to) {
        position++;
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
