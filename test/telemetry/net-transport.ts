/**
 * The Node side of `Transport` for tests: a net.Socket per connection. `kill()` destroys the
 * live socket without an MQTT DISCONNECT; `unreachable` makes new connections fail as if the
 * network were down.
 */
import net from 'node:net';
import { nodeSocketConnection } from '../../bundler/broker/node-socket-connection.ts';
import type { Connection, ConnectionEvents, Transport } from '../../agent/src/telemetry/transport.ts';

export class NetTransport implements Transport {
  private socket: net.Socket | undefined;
  unreachable = false;

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  get peer(): string {
    return `${this.host}:${this.port}`;
  }

  connect(events: ConnectionEvents): Connection {
    if (this.unreachable) {
      setImmediate(() => events.onClose(new Error('network unreachable (test)')));
      return { write: () => {}, close: () => {} };
    }
    const socket = net.connect({ host: this.host, port: this.port });
    this.socket = socket;
    return nodeSocketConnection(socket, events);
  }

  /** Destroys the live socket abruptly (RST), as if the agent's process died. */
  kill(): void {
    this.socket?.resetAndDestroy();
  }
}
