/**
 * The outbox: telemetry messages from the moment they are made until the broker has them.
 * Bounded: when full, the oldest message not yet in flight is dropped and counted, so the
 * consumer's sequence gaps add up exactly to `dropped`. Messages in flight (sent with QoS 1,
 * not yet acknowledged) are never dropped; they are resent with DUP after a reconnect.
 * This one lives in memory; `DurableOutbox` (durable-outbox.ts) keeps the same messages in an
 * on-disk log as well and bounds them by bytes instead of by count.
 */
import { MoteError } from '../errors.ts';

export interface OutboxMessage {
  topic: string;
  payload: Uint8Array;
  qos: 0 | 1;
  /** When the record was made (epoch ms): the status reports the oldest one held. */
  timeMs?: number;
}

/** A message in the outbox; `packetId` is set while it is in flight. */
export interface OutboxEntry extends OutboxMessage {
  packetId?: number;
  /** Its position in the durable log; absent in memory only. */
  index?: number;
  /**
   * A durable outbox's backlog on disk only: this entry stands for that many consecutive records
   * of the log from `index` on, with the topic and time of the first; `payload` is empty. Reading
   * them back turns them into entries of their own.
   */
  cold?: number;
}

export class Outbox {
  protected entries: OutboxEntry[] = [];
  protected droppedCount = 0;
  private heldBytes = 0;

  /** `capacity`: how many messages it holds, in flight included, before dropping. */
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new MoteError(`outbox capacity ${capacity} is not a positive integer: give at least 1`);
    }
  }

  /** Messages held, in flight included. */
  get depth(): number {
    return this.entries.length;
  }

  /** Messages dropped because the outbox was full. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** Bytes the outbox takes: here the payloads held. */
  get bytes(): number {
    return this.heldBytes;
  }

  /** Damaged log tails cut off when the outbox was opened (a durable outbox's; here none). */
  get cutTails(): number {
    return 0;
  }

  /** When the oldest message held was made (epoch ms), or undefined when empty. */
  get oldestMs(): number | undefined {
    return this.entries[0]?.timeMs;
  }

  push(message: OutboxMessage): void {
    if (this.entries.length >= this.capacity) {
      const oldest = this.entries.findIndex((entry) => entry.packetId === undefined);
      if (oldest < 0) {
        // Everything held is in flight: the new message is the one that cannot be kept.
        this.droppedCount++;
        return;
      }
      this.take(oldest);
      this.droppedCount++;
    }
    this.hold({ topic: message.topic, payload: message.payload, qos: message.qos, ...(message.timeMs !== undefined && { timeMs: message.timeMs }) });
  }

  /** The oldest message not yet sent. */
  nextUnsent(): OutboxEntry | undefined {
    return this.entries.find((entry) => entry.packetId === undefined);
  }

  markInFlight(entry: OutboxEntry, packetId: number): void {
    entry.packetId = packetId;
  }

  /** Messages in flight, oldest first. */
  inFlight(): OutboxEntry[] {
    return this.entries.filter((entry) => entry.packetId !== undefined);
  }

  /** Removes the message the broker acknowledged; undefined when no message has that id. */
  acknowledge(packetId: number): OutboxEntry | undefined {
    const index = this.entries.findIndex((entry) => entry.packetId === packetId);
    if (index < 0) return undefined;
    const entry = this.take(index);
    this.delivered();
    return entry;
  }

  /** Removes a QoS 0 message once it was written. */
  remove(entry: OutboxEntry): void {
    const index = this.entries.indexOf(entry);
    if (index >= 0) {
      this.take(index);
      this.delivered();
    }
  }

  /** All messages, oldest first. */
  snapshot(): OutboxMessage[] {
    return this.entries.map(({ topic, payload, qos }) => ({ topic, payload, qos }));
  }

  /** Adds an entry at the end. */
  protected hold(entry: OutboxEntry): void {
    this.entries.push(entry);
    this.heldBytes += entry.payload.length;
  }

  /** Removes the entry at `position` and returns it. */
  protected take(position: number): OutboxEntry {
    const entry = this.entries.splice(position, 1)[0]!;
    this.heldBytes -= entry.payload.length;
    return entry;
  }

  /** After a message left because the broker has it: where a durable outbox trims its log. */
  protected delivered(): void {}
}
