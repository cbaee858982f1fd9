/**
 * Broker addresses as users write them: `mqtt://host[:port]` (plain TCP, default port 1883) or
 * `mqtts://host[:port]` (TLS, default port 8883). IPv6 literals go in brackets: `mqtts://[::1]`.
 */
import { MoteError } from '../../errors.ts';

export interface BrokerAddress {
  tls: boolean;
  host: string;
  port: number;
  /** `mqtts://host:port`, normalised, for messages. */
  url: string;
}

export class BrokerUrlError extends MoteError {}

const BROKER_URL = /^(mqtts?):\/\/(\[[0-9a-fA-F:.]+\]|[^\s:/[\]@]+)(?::(\d{1,5}))?\/?$/;

export function parseBrokerUrl(text: string): BrokerAddress {
  const match = BROKER_URL.exec(text);
  const port = match?.[3] === undefined ? undefined : Number(match[3]);
  if (!match || (port !== undefined && (port < 1 || port > 65535))) {
    throw new BrokerUrlError(`broker '${text}' is not a broker URL: write mqtt://host[:port] or mqtts://host[:port] (TLS)`);
  }
  const tls = match[1] === 'mqtts';
  const host = match[2]!.replace(/^\[(.*)\]$/, '$1');
  const resolvedPort = port ?? (tls ? 8883 : 1883);
  return { tls, host, port: resolvedPort, url: `${match[1]}://${match[2]}:${resolvedPort}` };
}
