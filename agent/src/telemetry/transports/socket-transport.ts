/**
 * The device's `Transport`: a non-blocking TCP socket from the binding (`sys.tcpConnect`), plain
 * or wrapped in TLS with server verification (and optional client certificate). A connection
 * that cannot start (resolver failure, unusable TLS credentials) still reports through onClose,
 * after connect() returned.
 */
import type { Connection, ConnectionEvents, Transport } from '../transport.ts';
import { plainStream, tlsStream, type ByteStream } from './byte-stream.ts';
import type { SocketEnv } from './readiness.ts';
import { SocketConnection, TransportError } from './socket-connection.ts';

/** TLS credentials as PEM bytes. The server name defaults to the host connected to. */
export interface TlsCredentials {
  ca: Uint8Array;
  cert?: Uint8Array;
  key?: Uint8Array;
  serverName?: string;
}

export class SocketTransport implements Transport {
  constructor(
    private readonly env: SocketEnv,
    private readonly host: string,
    private readonly port: number,
    private readonly tls?: TlsCredentials,
  ) {}

  get peer(): string {
    return this.host.includes(':') ? `[${this.host}]:${this.port}` : `${this.host}:${this.port}`;
  }

  connect(events: ConnectionEvents): Connection {
    let fd: number;
    let stream: ByteStream;
    try {
      fd = this.env.sys.tcpConnect(this.host, this.port);
      stream = this.openStream(fd);
    } catch (error) {
      const { message, code } = error as { message?: string; code?: string };
      return this.failLater(events, new TransportError(`${this.peer}: ${message ?? String(error)}`, code));
    }
    return new SocketConnection(this.env, fd, stream, events, this.peer);
  }

  private openStream(fd: number): ByteStream {
    if (!this.tls) return plainStream(this.env.sys, fd);
    const { ca, cert, key, serverName } = this.tls;
    return tlsStream(this.env.sys, fd, { serverName: serverName ?? this.host, ca, ...(cert && { cert }), ...(key && { key }) });
  }

  /** A connection that never opened: reports `error` once, after connect() has returned. */
  private failLater(events: ConnectionEvents, error: TransportError): Connection {
    let closed = false;
    this.env.timers.setTimeout(() => {
      if (!closed) events.onClose(error);
      closed = true;
    }, 0);
    return {
      write: () => {},
      close: () => {
        if (!closed) this.env.timers.setTimeout(() => events.onClose(error), 0);
        closed = true;
      },
    };
  }
}
