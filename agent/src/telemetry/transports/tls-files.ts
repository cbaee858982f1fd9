/**
 * TLS credentials from the files a user names (`--ca`, `--cert`, `--key`, `--server-name`, or the
 * config's `tls`), checked against the broker URL: mqtts:// needs a CA, mqtt:// takes none, and a
 * client certificate comes with its key. Errors say which file or option to fix.
 */
import { MoteError, isSysError } from '../../errors.ts';
import type { Sys } from '../../sys/types.ts';
import type { BrokerAddress } from './broker-url.ts';
import type { TlsCredentials } from './socket-transport.ts';

export class TlsFilesError extends MoteError {}

/** Paths of PEM files, as given by the user. */
export interface TlsFiles {
  ca?: string;
  cert?: string;
  key?: string;
  serverName?: string;
}

function readPem(sys: Sys, what: string, path: string): Uint8Array {
  try {
    return sys.readFile(path);
  } catch (error) {
    if (isSysError(error)) throw new TlsFilesError(`${what} ${path}: cannot read it (${error.code}); give a readable PEM file`);
    throw error;
  }
}

/** The credentials for `broker`: undefined for mqtt://, read from the files for mqtts://. */
export function tlsCredentials(sys: Sys, broker: BrokerAddress, files: TlsFiles): TlsCredentials | undefined {
  const { ca, cert, key, serverName } = files;
  if (!broker.tls) {
    if (ca || cert || key || serverName) throw new TlsFilesError('--ca, --cert, --key and --server-name are for mqtts:// brokers; use mqtts:// or drop them');
    return undefined;
  }
  if (!ca) throw new TlsFilesError("mqtts:// needs --ca <file>: the CA certificate(s) that signed the broker's certificate");
  if (!cert !== !key) throw new TlsFilesError('give both --cert and --key for a client certificate, or neither');
  return {
    ca: readPem(sys, '--ca', ca),
    ...(cert && key && { cert: readPem(sys, '--cert', cert), key: readPem(sys, '--key', key) }),
    ...(serverName && { serverName }),
  };
}
