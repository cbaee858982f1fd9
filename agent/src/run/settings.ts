/**
 * From config to what the agent connects with: the config file read and checked, the flags laid
 * over it, the broker URL parsed, TLS files read, the device id chosen. Also tells a reload which
 * changes need a restart (everything but the modules).
 */
import type { Sys } from '../sys/types.ts';
import { checkTopicLevel } from '../telemetry/topics.ts';
import { parseBrokerUrl, type BrokerAddress } from '../telemetry/transports/broker-url.ts';
import type { TlsCredentials } from '../telemetry/transports/socket-transport.ts';
import { tlsCredentials } from '../telemetry/transports/tls-files.ts';
import { ConfigError, parseConfig, type AgentConfig } from './config.ts';
import { defaultDeviceId } from './device-id.ts';
import { decodeUtf8 } from '../bytes/utf8.ts';
import { overlay, type RunFlags } from './config-overlay.ts';
import { isSysError } from '../errors.ts';

export const DEFAULT_BROKER = 'mqtt://localhost:1883';
export const DEFAULT_OUTBOX_CAPACITY = 1000;
export const DEFAULT_STATUS_INTERVAL_MS = 60_000;

/** The config file (if any) with the flags over it. */
export function readConfig(sys: Sys, flags: RunFlags): AgentConfig {
  if (flags.configPath === undefined) return overlay({}, flags);
  let bytes: Uint8Array;
  try {
    bytes = sys.readFile(flags.configPath);
  } catch (error) {
    if (!isSysError(error)) throw error;
    throw new ConfigError(`config ${flags.configPath}: cannot read it (${error.code}); check the path given to --config`);
  }
  return overlay(parseConfig(decodeUtf8(bytes), `config ${flags.configPath}`), flags);
}

export const DEFAULT_OUTBOX_BYTES = 1 << 20;
export const DEFAULT_OUTBOX_FSYNC_MS = 1000;

export interface BrokerSettings {
  broker: BrokerAddress;
  tls: TlsCredentials | undefined;
}

export interface ConnectionSettings {
  /** One or more, in the order they are tried. */
  brokers: BrokerSettings[];
  device: string;
}

export function connectionSettings(sys: Sys, config: AgentConfig): ConnectionSettings {
  const urls = config.brokers ?? [config.broker ?? DEFAULT_BROKER];
  const brokers = urls.map((url) => {
    const broker = parseBrokerUrl(url);
    return { broker, tls: tlsCredentials(sys, broker, config.tls ?? {}) };
  });
  const device = config.device ?? defaultDeviceId(sys);
  checkTopicLevel('device id', device);
  return { brokers, device };
}

/** The part of a config that only a restart applies: all of it but the modules and intervals. */
export function restartOnly(config: AgentConfig): string {
  const { modules: _modules, intervalMs: _intervalMs, ...rest } = config;
  return JSON.stringify(sortedKeys(rest));
}

function sortedKeys(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const object = value as Record<string, unknown>;
  return Object.fromEntries(Object.keys(object).sort().map((key) => [key, sortedKeys(object[key])]));
}
