/** Command-line values shared by the OTA commands of the host CLI. */
import { UsageError } from '../cli/command.ts';

export function secondsOption(name: string, raw: string): number {
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`--${name} '${raw}' is not a positive number of seconds`);
  return seconds * 1000;
}

export function deviceOption(device: string): string {
  if (device === '' || /[/+#]/.test(device)) throw new UsageError(`--device '${device}' must be a non-empty id without '/', '+' or '#'`);
  return device;
}

/** The options every command that talks to devices takes, for node:util parseArgs. */
export const EXCHANGE_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  broker: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
  device: { type: 'string' },
  timeout: { type: 'string', default: '30' },
} as const;
