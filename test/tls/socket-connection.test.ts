/**
 * The device transport's connection logic under Node, with a scripted byte stream and fd
 * readiness in place of the socket: connect errors, handshake readiness, partial and blocked
 * writes, peer close, and exactly one onClose however a connection ends. Also broker URLs.
 */
import { describe, expect, it } from 'vitest';
import type { Sys, TlsWant } from '../../agent/src/sys/types.ts';
import type { ConnectionEvents } from '../../agent/src/telemetry/transport.ts';
import type { ByteStream } from '../../agent/src/telemetry/transports/byte-stream.ts';
import { parseBrokerUrl } from '../../agent/src/telemetry/transports/broker-url.ts';
import type { FdReadiness } from '../../agent/src/telemetry/transports/readiness.ts';
import { SocketConnection, TransportError } from '../../agent/src/telemetry/transports/socket-connection.ts';

const FD = 7;

class FakeReadiness implements FdReadiness {
  onReadable: (() => void) | null = null;
  onWritable: (() => void) | null = null;
  setReadHandler(fd: number, handler: (() => void) | null): void {
    expect(fd).toBe(FD);
    this.onReadable = handler;
  }
  setWriteHandler(fd: number, handler: (() => void) | null): void {
    expect(fd).toBe(FD);
    this.onWritable = handler;
  }
}

/** A stream whose every answer comes from the test's script. */
class ScriptedStream implements ByteStream {
  handshakes: Array<'done' | TlsWant> = ['done'];
  reads: Array<Uint8Array | 0 | TlsWant | Error> = [];
  /** Bytes taken per write call; 'want-write' blocks. */
  writeLimit: number | 'want-write' = Infinity;
  readonly written: number[] = [];
  closed = 0;
  handshake(): 'done' | TlsWant {
    return this.handshakes.shift() ?? 'done';
  }
  read(into: Uint8Array): number | TlsWant {
    const next = this.reads.shift() ?? 'want-read';
    if (next instanceof Error) throw next;
    if (!(next instanceof Uint8Array)) return next;
    into.set(next);
    return next.length;
  }
  write(bytes: Uint8Array): number | TlsWant {
    if (this.writeLimit === 'want-write') return 'want-write';
    const taken = Math.min(this.writeLimit, bytes.length);
    this.written.push(...bytes.subarray(0, taken));
    return taken;
  }
  close(): void {
    this.closed++;
  }
}

class Recorder implements ConnectionEvents {
  readonly log: string[] = [];
  readonly errors: (TransportError | undefined)[] = [];
  onOpen(): void {
    this.log.push('open');
  }
  onData(bytes: Uint8Array): void {
    this.log.push(`data ${[...bytes].join(',')}`);
  }
  onClose(error?: Error): void {
    this.log.push('close');
    this.errors.push(error as TransportError | undefined);
  }
}

function setUp(socketErrno = 0) {
  const readiness = new FakeReadiness();
  const deferred: Array<() => void> = [];
  const timers = { setTimeout: (callback: () => void) => deferred.push(callback), clearTimeout: () => {} };
  const sys = { socketError: () => socketErrno } as unknown as Sys;
  const stream = new ScriptedStream();
  const events = new Recorder();
  const connection = new SocketConnection({ sys, readiness, timers }, FD, stream, events, 'broker.test:8883');
  return { readiness, deferred, stream, events, connection, runDeferred: () => deferred.splice(0).forEach((f) => f()) };
}

describe('SocketConnection', () => {
  it('reports a refused connect once, with the peer and what to check, and closes the stream', () => {
    const { readiness, stream, events } = setUp(111);
    readiness.onWritable!();
    expect(events.log).toEqual(['close']);
    expect(events.errors[0]).toBeInstanceOf(TransportError);
    expect(events.errors[0]!.message).toBe('broker.test:8883: connection refused (ECONNREFUSED): check that the broker runs and listens on this port');
    expect(stream.closed).toBe(1);
    expect([readiness.onReadable, readiness.onWritable]).toEqual([null, null]);
  });

  it('watches only the readiness the handshake asks for, then opens and reads', () => {
    const { readiness, stream, events } = setUp();
    stream.handshakes = ['want-read', 'want-write', 'done'];
    readiness.onWritable!();
    expect([readiness.onReadable !== null, readiness.onWritable !== null]).toEqual([true, false]);
    readiness.onReadable!();
    expect([readiness.onReadable !== null, readiness.onWritable !== null]).toEqual([false, true]);
    readiness.onWritable!();
    expect(events.log).toEqual(['open']);
    expect([readiness.onReadable !== null, readiness.onWritable !== null]).toEqual([true, false]);
    stream.reads = [new Uint8Array([1, 2]), new Uint8Array([3]), 'want-read'];
    readiness.onReadable!();
    expect(events.log).toEqual(['open', 'data 1,2', 'data 3']);
  });

  it('writes in order through partial and blocked writes, watching writability only while blocked', () => {
    const { readiness, stream, connection } = setUp();
    readiness.onWritable!();
    stream.writeLimit = 'want-write';
    connection.write(new Uint8Array([1, 2, 3, 4, 5]));
    connection.write(new Uint8Array([6, 7]));
    expect(readiness.onWritable).not.toBeNull();
    stream.writeLimit = 2;
    readiness.onWritable!();
    expect(stream.written).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(readiness.onWritable).toBeNull();
  });

  it('ends once when the peer closes; a later close() reports nothing more', () => {
    const { readiness, stream, events, connection, runDeferred } = setUp();
    readiness.onWritable!();
    stream.reads = [new Uint8Array([9]), 0];
    readiness.onReadable!();
    connection.close();
    connection.write(new Uint8Array([1]));
    runDeferred();
    expect(events.log).toEqual(['open', 'data 9', 'close']);
    expect(events.errors).toEqual([undefined]);
    expect(stream.closed).toBe(1);
  });

  it('reports close() later, never during the call, and only once', () => {
    const { readiness, events, connection, runDeferred } = setUp();
    readiness.onWritable!();
    connection.close();
    connection.close();
    expect(events.log).toEqual(['open']);
    runDeferred();
    expect(events.log).toEqual(['open', 'close']);
  });

  it('turns a failing stream into one onClose naming the peer and keeping the code', () => {
    const { readiness, stream, events } = setUp();
    stream.handshakes = [];
    readiness.onWritable!();
    const failure = Object.assign(new Error('tlsRead: reading failed (ETLS)'), { errno: -0x7180, code: 'ETLS', call: 'tlsRead' });
    stream.reads = [failure];
    readiness.onReadable!();
    expect(events.log).toEqual(['open', 'close']);
    expect(events.errors[0]).toMatchObject({ message: 'broker.test:8883: tlsRead: reading failed (ETLS)', code: 'ETLS' });
  });

  it('never re-enters onData from a write made inside it', () => {
    const { readiness, stream, events, connection } = setUp();
    readiness.onWritable!();
    let depth = 0;
    let deepest = 0;
    events.onData = () => {
      depth++;
      deepest = Math.max(deepest, depth);
      connection.write(new Uint8Array([0]));
      depth--;
    };
    stream.reads = [new Uint8Array([1]), new Uint8Array([2]), 'want-read'];
    readiness.onReadable!();
    expect(deepest).toBe(1);
    expect(stream.written).toEqual([0, 0]);
  });
});

describe('parseBrokerUrl', () => {
  it.each([
    ['mqtt://broker.example', { tls: false, host: 'broker.example', port: 1883, url: 'mqtt://broker.example:1883' }],
    ['mqtts://broker.example', { tls: true, host: 'broker.example', port: 8883, url: 'mqtts://broker.example:8883' }],
    ['mqtts://10.0.2.2:9883/', { tls: true, host: '10.0.2.2', port: 9883, url: 'mqtts://10.0.2.2:9883' }],
    ['mqtt://[::1]:1884', { tls: false, host: '::1', port: 1884, url: 'mqtt://[::1]:1884' }],
  ])('%s', (text, expected) => {
    expect(parseBrokerUrl(text)).toEqual(expected);
  });

  it.each(['tcp://broker:1883', 'mqtt://', 'mqtt://broker:0', 'mqtt://broker:70000', 'broker:1883', 'mqtts://user@broker'])('rejects %s, saying what to write', (text) => {
    expect(() => parseBrokerUrl(text)).toThrow(/write mqtt:\/\/host\[:port\] or mqtts:\/\/host\[:port\]/);
  });
});
