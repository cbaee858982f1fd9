/**
 * A Transport over several brokers, for failover: the first connection goes to the first
 * broker, and every later one (a reconnect, after the session's backoff) to the next broker in
 * the list, round robin. So an agent whose broker dies moves on at its next attempt, and one
 * that lost every broker keeps cycling through them with growing delays. The session above
 * resends its unacknowledged messages with DUP on whatever broker it reaches.
 */
import type { Connection, ConnectionEvents, Transport } from './transport.ts';
import { MoteError } from '../errors.ts';

export class FailoverTransport implements Transport {
  private current = -1;

  constructor(private readonly brokers: Transport[]) {
    if (brokers.length === 0) throw new MoteError('no broker to connect to: give at least one --broker');
  }

  get peer(): string {
    return this.brokers[Math.max(this.current, 0)]!.peer;
  }

  connect(events: ConnectionEvents): Connection {
    this.current = (this.current + 1) % this.brokers.length;
    return this.brokers[this.current]!.connect(events);
  }
}
