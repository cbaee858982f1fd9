/**
 * The byte stream the MQTT session runs over. On the device it is a non-blocking socket of the
 * `Sys` binding (plain TCP, later TLS); under Node tests, a net.Socket. A transport only moves
 * bytes: it buffers writes it cannot pass on at once, and never parses.
 */

export interface ConnectionEvents {
  /** The stream is up; writes may start. */
  onOpen(): void;
  onData(bytes: Uint8Array): void;
  /** Called exactly once per connection: after onOpen, or instead of it when connecting failed. */
  onClose(error?: Error): void;
}

export interface Connection {
  /** Queues bytes for sending, in order. Ignored once the connection is closed. */
  write(bytes: Uint8Array): void;
  /** Closes at once, dropping unsent bytes. onClose still follows, once. */
  close(): void;
}

export interface Transport {
  /** Starts a new connection to the broker; events arrive later, never during this call. */
  connect(events: ConnectionEvents): Connection;
  /** Where it connects, for log lines (`127.0.0.1:1883`). */
  readonly peer: string;
}
