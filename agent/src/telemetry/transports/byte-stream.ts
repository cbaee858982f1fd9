/**
 * A non-blocking byte stream over a connected socket: plain TCP through read(2)/write(2), or TLS
 * through the binding's mbedTLS session. Calls never block; they say which readiness they wait
 * for instead. The stream owns the fd and closes it.
 */
import type { Sys, TlsOptions, TlsSession, TlsWant } from '../../sys/types.ts';
import { isSysError } from '../../errors.ts';

export interface ByteStream {
  /** Advances the TLS handshake; plain TCP is 'done' at once. */
  handshake(): 'done' | TlsWant;
  /** Bytes read into `into`, 0 once the peer closed, or what to wait for. Call until a TlsWant. */
  read(into: Uint8Array): number | TlsWant;
  /** Bytes of `bytes` taken, or what to wait for (then offer the same bytes again). */
  write(bytes: Uint8Array): number | TlsWant;
  /** Releases the stream and closes its fd. */
  close(): void;
}

/** Runs a call that may fail with EAGAIN on a non-blocking fd; EAGAIN becomes `want`. */
function unlessBlocked(call: () => number, want: TlsWant): number | TlsWant {
  try {
    return call();
  } catch (error) {
    if (isSysError(error, 'EAGAIN') || isSysError(error, 'EWOULDBLOCK')) return want;
    throw error;
  }
}

export function plainStream(sys: Sys, fd: number): ByteStream {
  return {
    handshake: () => 'done',
    read: (into) => unlessBlocked(() => sys.read(fd, into), 'want-read'),
    write: (bytes) => unlessBlocked(() => sys.write(fd, bytes), 'want-write'),
    close: () => sys.close(fd),
  };
}

/** A TLS client stream; throws (SysError 'ETLSCONFIG') at once when the credentials are unusable. */
export function tlsStream(sys: Sys, fd: number, options: TlsOptions): ByteStream {
  let tls: TlsSession;
  try {
    tls = sys.tlsOpen(fd, options);
  } catch (error) {
    sys.close(fd);
    throw error;
  }
  return {
    handshake: () => sys.tlsHandshake(tls),
    read: (into) => sys.tlsRead(tls, into),
    write: (bytes) => sys.tlsWrite(tls, bytes),
    close: () => {
      sys.tlsClose(tls);
      sys.close(fd);
    },
  };
}
