/**
 * Where an ingest worker's messages come from: a broker that lets several workers share one
 * stream and redelivers what a worker never acknowledged (a JetStream durable consumer, or an
 * MQTT 5 shared subscription). A worker pulls a batch, stores it, and only then acknowledges it;
 * a message it cannot use is parked (kept by the broker for an operator, then acknowledged).
 */

export interface SourceMessage {
  /** The MQTT topic it was published on (`mote/v1/<device>/telemetry/<module>`). */
  topic: string;
  payload: Uint8Array;
  /** Settles it: the broker will not deliver it again. */
  ack(): void;
  /** Tells the broker the worker still holds it (while the database is away), so it is not handed to another worker yet. */
  stillWorking(): void;
}

export interface MessageSource {
  /** Where it reads from, for log lines. */
  readonly description: string;
  /**
   * Up to `max` messages; waits at most `waitMs` for the first, and returns what it has (maybe
   * none). Never throws for a broker that is away: it returns nothing and tries again.
   */
  next(max: number, waitMs: number): Promise<SourceMessage[]>;
  /** Keeps a message that cannot be used where an operator finds it; resolves once the broker has it. */
  park(message: SourceMessage, reason: string, detail: string): Promise<void>;
  close(): Promise<void>;
}
