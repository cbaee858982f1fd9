/**
 * The byte stream of one simulated device: a plain TCP socket (node:net) to one of several
 * brokers. A connection that failed or that the broker side ended sends the next attempt to the
 * next broker in the list, so a device whose broker dies moves on; the session's backoff with
 * jitter paces the attempts. `kill()` resets the live socket without an MQTT DISCONNECT, as a
 * network drop does; the device then comes back to the same broker.
 */
import net from 'node:net';
import type { BrokerAddress } from '../../agent/src/telemetry/transports/broker-url.ts';
import { nodeSocketConnection } from '../broker/node-socket-connection.ts';
import type { Connection, ConnectionEvents, Transport } from '../../agent/src/telemetry/transport.ts';

export class FailoverTransport implements Transport {
  private socket: net.Socket | undefined;
  private index: number;
  private connections = 0;
  /** Whether the last connection ended through `kill()` rather than on the broker's side. */
  private killed = false;
  /** Connections that went to a different broker than the one before. */
  failovers = 0;

  constructor(
    private readonly brokers: readonly BrokerAddress[],
    first: number,
  ) {
    this.index = first % brokers.length;
  }

  get peer(): string {
    const broker = this.brokers[this.index]!;
    return `${broker.host}:${broker.port}`;
  }

  connect(events: ConnectionEvents): Connection {
    if (this.connections++ > 0 && !this.killed && this.brokers.length > 1) {
      this.index = (this.index + 1) % this.brokers.length;
      this.failovers++;
    }
    this.killed = false;
    const { host, port } = this.brokers[this.index]!;
    const socket = net.connect({ host, port, noDelay: true });
    this.socket = socket;
    return nodeSocketConnection(socket, events);
  }

  /** Resets the live connection (TCP RST): the broker sees a lost client and sends its Last Will. */
  kill(): void {
    if (!this.socket || this.socket.destroyed) return;
    this.killed = true;
    this.socket.resetAndDestroy();
  }
}
