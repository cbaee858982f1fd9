/**
 * What the command line of `mote-agent run` says, and how it is laid over the config file: the
 * flags' own AgentConfig wins field by field, and `--interval-ms` sets every module's interval.
 */
import type { AgentConfig } from './config.ts';

export interface RunFlags {
  configPath?: string;
  /** What the flags say, to lay over the file's config. */
  overrides: AgentConfig;
  /** `--modules`: exactly these modules run, whatever the file says. */
  only?: string[];
  /** `--interval-ms`: every module's interval, per-module settings included. */
  intervalMs?: number;
  help: boolean;
}

/** The file's config with the flags' values laid over it (TLS and outbox field by field). */
export function overlay(file: AgentConfig, flags: RunFlags): AgentConfig {
  const { overrides } = flags;
  const merged: AgentConfig = { ...file, ...overrides };
  if (overrides.brokers) delete merged.broker;
  if (file.tls || overrides.tls) merged.tls = { ...file.tls, ...overrides.tls };
  if (file.outbox || overrides.outbox) merged.outbox = { ...file.outbox, ...overrides.outbox };
  if (file.ota || overrides.ota) merged.ota = { ...file.ota, ...overrides.ota };
  if (flags.intervalMs !== undefined) merged.intervalMs = flags.intervalMs;
  return merged;
}
