/**
 * One broker connection over a non-blocking socket: waits for connect(2) to complete
 * (writability, then SO_ERROR), runs the stream's handshake, then moves bytes. Reads whenever the
 * socket is readable. Writes are queued and sent together once the event loop is back to waiting
 * on sockets (after the timers that are due, so the records of modules sampled in the same
 * instant leave in one write(2): on a small device each system call costs more than a record's
 * encoding); close() sends what is queued first. Writes never read, so onData is never
 * re-entered from a write made inside it.
 * Every failure ends the connection with one onClose(error) that names the peer and the cause.
 */
import { MoteError } from '../../errors.ts';
import type { TlsWant } from '../../sys/types.ts';
import type { Connection, ConnectionEvents } from '../transport.ts';
import type { ByteStream } from './byte-stream.ts';
import type { SocketEnv } from './readiness.ts';

/** A broker connection that failed; the message names the peer, the cause and what to do. */
export class TransportError extends MoteError {
  constructor(
    message: string,
    /** The SysError code behind it (`ECONNREFUSED`, `ETLSVERIFY`, ...), when there is one. */
    readonly code?: string,
  ) {
    super(message);
  }
}

/** Linux errno values a connect can end with (the same on x86_64 and ARM), with advice. */
const CONNECT_ERRORS: Record<number, string> = {
  111: 'connection refused (ECONNREFUSED): check that the broker runs and listens on this port',
  110: 'timed out (ETIMEDOUT): check the address and any firewall on the way',
  113: 'no route to host (EHOSTUNREACH): check the address and the network',
  101: 'network unreachable (ENETUNREACH): check that this device has a route to the broker',
  104: 'connection reset (ECONNRESET): check that the port is the broker\'s',
};

const READ_CHUNK = 16 * 1024;

type State = 'connecting' | 'handshaking' | 'open' | 'closed';

export class SocketConnection implements Connection {
  private state: State = 'connecting';
  private readonly queue: Uint8Array[] = [];
  private readonly chunk = new Uint8Array(READ_CHUNK);
  private readWaitsForWrite = false;
  /** The readiness callback once open: read what arrived, then write what waits. */
  private readonly pump = () =>
    this.guard(() => {
      this.readAll();
      this.flush();
    });

  /** Watches `fd` (a socket whose connect is under way) and runs `stream` over it once connected. */
  constructor(
    private readonly env: SocketEnv,
    private readonly fd: number,
    private readonly stream: ByteStream,
    private readonly events: ConnectionEvents,
    private readonly peer: string,
  ) {
    env.readiness.setWriteHandler(fd, () => this.guard(() => this.connected()));
  }

  /** The writability callback that sends what the queue holds. */
  private readonly send = () => this.guard(() => this.flush());

  write(bytes: Uint8Array): void {
    if (this.state === 'closed' || bytes.length === 0) return;
    this.queue.push(bytes);
    if (this.state === 'open' && this.queue.length === 1) this.env.readiness.setWriteHandler(this.fd, this.send);
  }

  close(): void {
    if (this.state === 'open') this.send();
    this.finish(undefined, true);
  }

  private connected(): void {
    const errno = this.env.sys.socketError(this.fd);
    if (errno !== 0) {
      const reason = CONNECT_ERRORS[errno] ?? `connect failed with errno ${errno}`;
      throw new TransportError(`${this.peer}: ${reason}`, 'ECONNECT');
    }
    this.state = 'handshaking';
    this.handshake();
  }

  private handshake(): void {
    const result = this.stream.handshake();
    if (result !== 'done') return this.waitFor(result, () => this.guard(() => this.handshake()));
    this.state = 'open';
    this.env.readiness.setWriteHandler(this.fd, null);
    this.env.readiness.setReadHandler(this.fd, this.pump);
    this.events.onOpen();
    this.flush();
  }

  /** During the handshake: watch only the readiness the stream asked for. */
  private waitFor(want: TlsWant, then: () => void): void {
    this.env.readiness.setReadHandler(this.fd, want === 'want-read' ? then : null);
    this.env.readiness.setWriteHandler(this.fd, want === 'want-write' ? then : null);
  }

  /** Delivers everything the stream has to read; notes when reading waits for writability. */
  private readAll(): void {
    this.readWaitsForWrite = false;
    for (;;) {
      const count = this.stream.read(this.chunk);
      if (count === 'want-read') return;
      if (count === 'want-write') {
        this.readWaitsForWrite = true;
        return;
      }
      if (count === 0) return this.finish(undefined, false);
      this.events.onData(this.chunk.slice(0, count));
      if (this.state !== 'open') return;
    }
  }

  /** Writes what the queue holds, in order; watches writability only while something waits on it. */
  private flush(): void {
    if (this.state !== 'open') return;
    let blocked = false;
    if (this.queue.length > 1) {
      // One write(2) for everything queued.
      let length = 0;
      for (const bytes of this.queue) length += bytes.length;
      const joined = new Uint8Array(length);
      let at = 0;
      for (const bytes of this.queue) {
        joined.set(bytes, at);
        at += bytes.length;
      }
      this.queue.length = 0;
      this.queue.push(joined);
    }
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      const taken = this.stream.write(head);
      if (typeof taken === 'string') {
        blocked = taken === 'want-write';
        break;
      }
      if (taken === head.length) this.queue.shift();
      else this.queue[0] = head.subarray(taken);
    }
    this.env.readiness.setWriteHandler(this.fd, blocked || this.readWaitsForWrite ? this.pump : null);
  }

  /** Runs a step from a readiness callback; a throw ends the connection with that error. */
  private guard(step: () => void): void {
    if (this.state === 'closed') return;
    try {
      step();
    } catch (error) {
      this.finish(this.describe(error), false);
    }
  }

  private describe(error: unknown): TransportError {
    if (error instanceof TransportError) return error;
    const { message, code } = error as { message?: string; code?: unknown };
    return new TransportError(`${this.peer}: ${message ?? String(error)}`, typeof code === 'string' ? code : undefined);
  }

  /** Stops watching, closes the stream and reports onClose once (later, when asked by close()). */
  private finish(error: TransportError | undefined, deferReport: boolean): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.queue.length = 0;
    this.env.readiness.setReadHandler(this.fd, null);
    this.env.readiness.setWriteHandler(this.fd, null);
    try {
      this.stream.close();
    } catch {
      // The fd is gone either way; the connection's own error (if any) is the one to report.
    }
    if (deferReport) this.env.timers.setTimeout(() => this.events.onClose(error), 0);
    else this.events.onClose(error);
  }
}
