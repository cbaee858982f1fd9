/**
 * The configuration of `mote-agent run`: a JSON file (`--config`), checked field by field, with
 * errors that name the file, the field and what to write instead. Pure: text in, config out.
 * Flags override the file (run-flags.ts); defaults fill the rest (`resolveConfig`).
 */
import { MoteError } from '../errors.ts';
import type { ModuleSettings } from '../lifecycle/module-types.ts';
import type { TlsFiles } from '../telemetry/transports/tls-files.ts';

export class ConfigError extends MoteError {}

/** The smallest on-disk outbox: two segments of the smallest size. */
export const MIN_OUTBOX_BYTES = 4096;

/** One module's entry under `modules`: its settings, and whether it runs (default true). */
export interface ModuleConfig extends ModuleSettings {
  enabled?: boolean;
}

/** What the file (and the flags) may say; every field optional. */
export interface AgentConfig {
  broker?: string;
  /** Several brokers for failover, tried in turn; instead of `broker`. */
  brokers?: string[];
  tls?: TlsFiles;
  username?: string;
  password?: string;
  device?: string;
  intervalMs?: number;
  qos?: 0 | 1;
  protocolVersion?: 4 | 5;
  keepaliveSeconds?: number;
  statusIntervalMs?: number;
  /**
   * The outbox: `capacity` messages in memory; or, with `dir`, an on-disk log of at most
   * `maxBytes`, fsynced on every record (`fsync: "always"`) or that many ms after one.
   */
  outbox?: { capacity?: number; dir?: string; maxBytes?: number; fsync?: 'always' | number };
  /** Module updates over the air: trusted public key files, and the module store directory. */
  ota?: { keys?: string[]; store?: string };
  /** Where CO-RE results are kept across restarts (default /var/lib/mote/cache). */
  cacheDir?: string;
  /** When present, only the modules listed here (and not `enabled: false`) run. */
  modules?: Record<string, ModuleConfig>;
}

type Json = Record<string, unknown>;

class Reader {
  constructor(private readonly origin: string) {}

  fail(field: string, what: string): never {
    throw new ConfigError(`${this.origin}: '${field}' ${what}`);
  }

  /** A JSON object; with `known`, every key must be one of them. */
  object(value: unknown, field: string, known?: string[]): Json {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(field, 'must be a JSON object');
    if (!known) return value as Json;
    const unknown = Object.keys(value).filter((k) => !known.includes(k));
    if (unknown.length > 0) this.fail(field, `has unknown key '${unknown[0]}'; known keys: ${known.join(', ')}`);
    return value as Json;
  }

  text(value: unknown, field: string): string | undefined {
    if (value === undefined) return undefined;
    return typeof value === 'string' && value !== '' ? value : this.fail(field, 'must be a non-empty string');
  }

  integer(value: unknown, field: string, min: number, unit: string): number | undefined {
    if (value === undefined) return undefined;
    if (typeof value === 'number' && Number.isInteger(value) && value >= min) return value;
    return this.fail(field, `must be an integer >= ${min} (${unit})`);
  }

  choice<T extends number>(value: unknown, field: string, choices: readonly T[]): T | undefined {
    if (value === undefined) return undefined;
    return choices.includes(value as T) ? (value as T) : this.fail(field, `must be one of ${choices.join(', ')}`);
  }
}

const TOP_KEYS = ['broker', 'brokers', 'tls', 'username', 'password', 'device', 'intervalMs', 'qos', 'protocolVersion', 'keepaliveSeconds', 'statusIntervalMs', 'outbox', 'ota', 'cacheDir', 'modules'];
const MODULE_KEYS = ['enabled', 'intervalMs', 'topN', 'constants', 'variant', 'interface'];

function moduleConfig(r: Reader, value: unknown, field: string): ModuleConfig {
  const m = r.object(value, field, MODULE_KEYS);
  const config: ModuleConfig = {};
  if (m.enabled !== undefined) config.enabled = typeof m.enabled === 'boolean' ? m.enabled : r.fail(`${field}.enabled`, 'must be true or false');
  const intervalMs = r.integer(m.intervalMs, `${field}.intervalMs`, 10, 'milliseconds');
  if (intervalMs !== undefined) config.intervalMs = intervalMs;
  const topN = r.integer(m.topN, `${field}.topN`, 1, 'entries');
  if (topN !== undefined) config.topN = topN;
  const variant = r.text(m.variant, `${field}.variant`);
  if (variant !== undefined) config.variant = variant;
  const networkInterface = r.text(m.interface, `${field}.interface`);
  if (networkInterface !== undefined) config.interface = networkInterface;
  if (m.constants !== undefined) {
    const constants = r.object(m.constants, `${field}.constants`);
    for (const [name, v] of Object.entries(constants)) {
      if (typeof v !== 'string' && !(typeof v === 'number' && Number.isFinite(v))) r.fail(`${field}.constants.${name}`, 'must be a number or a string');
    }
    config.constants = constants as Record<string, number | string>;
  }
  return config;
}

/** Parses and checks a config file's text; `origin` (the path) prefixes every error. */
export function parseConfig(text: string, origin: string): AgentConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${origin}: not valid JSON (${(error as Error).message}); fix the syntax`);
  }
  const r = new Reader(origin);
  const top = r.object(json, '(top level)', TOP_KEYS);
  const config: AgentConfig = {};
  const set = <K extends keyof AgentConfig>(key: K, value: AgentConfig[K] | undefined) => {
    if (value !== undefined) config[key] = value;
  };
  set('broker', r.text(top.broker, 'broker'));
  if (top.brokers !== undefined) {
    const brokers: unknown[] = Array.isArray(top.brokers) && top.brokers.length > 0 ? top.brokers : r.fail('brokers', 'must be a non-empty array of broker URLs');
    if (config.broker !== undefined) r.fail('brokers', "and 'broker' are both given: list every broker under 'brokers'");
    config.brokers = brokers.map((url, i) => r.text(url, `brokers[${i}]`) ?? r.fail(`brokers[${i}]`, 'must be a broker URL'));
  }
  set('username', r.text(top.username, 'username'));
  set('password', r.text(top.password, 'password'));
  set('device', r.text(top.device, 'device'));
  set('intervalMs', r.integer(top.intervalMs, 'intervalMs', 10, 'milliseconds'));
  set('qos', r.choice(top.qos, 'qos', [0, 1] as const));
  set('protocolVersion', r.choice(top.protocolVersion, 'protocolVersion', [4, 5] as const));
  set('keepaliveSeconds', r.integer(top.keepaliveSeconds, 'keepaliveSeconds', 0, 'seconds'));
  set('statusIntervalMs', r.integer(top.statusIntervalMs, 'statusIntervalMs', 100, 'milliseconds'));
  set('cacheDir', r.text(top.cacheDir, 'cacheDir'));
  if (top.tls !== undefined) {
    const tls = r.object(top.tls, 'tls', ['ca', 'cert', 'key', 'serverName']);
    config.tls = {};
    for (const key of ['ca', 'cert', 'key', 'serverName'] as const) {
      const value = r.text(tls[key], `tls.${key}`);
      if (value !== undefined) config.tls[key] = value;
    }
  }
  if (top.outbox !== undefined) {
    const outbox = r.object(top.outbox, 'outbox', ['capacity', 'dir', 'maxBytes', 'fsync']);
    config.outbox = {};
    const capacity = r.integer(outbox.capacity, 'outbox.capacity', 1, 'messages');
    if (capacity !== undefined) config.outbox.capacity = capacity;
    const dir = r.text(outbox.dir, 'outbox.dir');
    if (dir !== undefined) config.outbox.dir = dir;
    const maxBytes = r.integer(outbox.maxBytes, 'outbox.maxBytes', MIN_OUTBOX_BYTES, 'bytes');
    if (maxBytes !== undefined) config.outbox.maxBytes = maxBytes;
    if (outbox.fsync !== undefined) config.outbox.fsync = outbox.fsync === 'always' ? 'always' : r.integer(outbox.fsync, 'outbox.fsync', 1, 'milliseconds, or "always"');
  }
  if (top.ota !== undefined) {
    const ota = r.object(top.ota, 'ota', ['keys', 'store']);
    config.ota = {};
    if (ota.keys !== undefined) {
      const keys: unknown[] = Array.isArray(ota.keys) ? ota.keys : r.fail('ota.keys', 'must be an array of public key file paths');
      config.ota.keys = keys.map((key, i) => r.text(key, `ota.keys[${i}]`) ?? r.fail(`ota.keys[${i}]`, 'must be a non-empty string'));
    }
    const store = r.text(ota.store, 'ota.store');
    if (store !== undefined) config.ota.store = store;
  }
  if (top.modules !== undefined) {
    const modules = r.object(top.modules, 'modules');
    config.modules = Object.fromEntries(Object.entries(modules).map(([name, value]) => [name, moduleConfig(r, value, `modules.${name}`)]));
  }
  return config;
}
