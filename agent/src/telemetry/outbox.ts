/**
 * The outbox: telemetry messages from the moment they are made until the broker has them.
 * Bounded: when full, the oldest message not yet in flight is dropped and counted, so the
 * consumer's sequence gaps add up exactly to `dropped`. Messages in flight (sent with QoS 1,
 * not yet acknowledged) are never dropped; they are resent with DUP after a reconnect.
 */
import { MoteError } from '../errors.ts';

export interface OutboxMessage {
  topic: string;
  payload: Uint8Array;
  qos: 0 | 1;
}

/** A message in the outbox; `packetId` is set while it is in flight. */
export interface OutboxEntry extends OutboxMessage {
  packetId?: number;
}

export class Outbox {
  private entries: OutboxEntry[] = [];
  private droppedCount = 0;
  private changes = 0;

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

  /** Grows on every change; persistence compares it to skip needless writes. */
  get version(): number {
    return this.changes;
  }

  push(message: OutboxMessage): void {
    this.changes++;
    if (this.entries.length >= this.capacity) {
      const oldest = this.entries.findIndex((entry) => entry.packetId === undefined);
      if (oldest < 0) {
        // Everything held is in flight: the new message is the one that cannot be kept.
        this.droppedCount++;
        return;
      }
      this.entries.splice(oldest, 1);
      this.droppedCount++;
    }
    this.entries.push({ topic: message.topic, payload: message.payload, qos: message.qos });
  }

  /** The oldest message not yet sent. */
  nextUnsent(): OutboxEntry | undefined {
    return this.entries.find((entry) => entry.packetId === undefined);
  }

  markInFlight(entry: OutboxEntry, packetId: number): void {
    this.changes++;
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
    this.changes++;
    return this.entries.splice(index, 1)[0];
  }

  /** Removes a QoS 0 message once it was written. */
  remove(entry: OutboxEntry): void {
    const index = this.entries.indexOf(entry);
    if (index >= 0) {
      this.changes++;
      this.entries.splice(index, 1);
    }
  }

  /** All messages, oldest first, for persistence. */
  snapshot(): OutboxMessage[] {
    return this.entries.map(({ topic, payload, qos }) => ({ topic, payload, qos }));
  }
}
