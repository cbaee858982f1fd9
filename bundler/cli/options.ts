/**
 * The checks every `mote` command runs on its command line before any long work: parsing with
 * node:util parseArgs (its TypeErrors become UsageErrors), positionals, numbers, versions, choices,
 * broker URLs, boards and files. Each throws a UsageError that says what is wrong.
 */
import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { isVersion } from '../../agent/src/ota/version.ts';
import { BrokerUrlError, parseBrokerUrl } from '../../agent/src/telemetry/transports/broker-url.ts';
import { findBoard, loadBoards } from '../board/board-catalog.ts';
import type { BoardDescriptor } from '../board/descriptor.ts';
import { UsageError } from './command.ts';

export { deviceOption, secondsOption } from '../ota/options.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/** What a parseArgs TypeError means, in the words of the rest of the CLI. */
function usageErrorOf(error: Error & { code?: string }): UsageError {
  const quoted = /'([^']*)'/.exec(error.message)?.[1] ?? '';
  const option = /--?[\w-]+/.exec(quoted)?.[0] ?? quoted;
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return new UsageError(`unknown option '${option}'`);
  if (error.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return new UsageError(`unexpected argument '${quoted}'`);
  if (/does not take/.test(error.message)) return new UsageError(`option '${option}' takes no value`);
  return new UsageError(`option '${option}' needs a value`, `write ${option} <value>, or ${option}=<value> for a value starting with '-'`);
}

/** node:util parseArgs (strict), with its errors as UsageErrors. */
export function parseCommandLine<T extends Options>(argv: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS_')) throw usageErrorOf(error as Error);
    throw error;
  }
}

/** The one positional a command takes; `what` names it for the message, e.g. "an object file <obj.o>". */
export function onePositional(positionals: string[], what: string): string {
  if (positionals.length === 0) throw new UsageError(`missing ${what}`);
  if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'; give only ${what}`);
  return positionals[0]!;
}

/** A required option's value; `flag` is how help writes it, e.g. "--out <prefix>". */
export function requiredOption(value: string | undefined, flag: string, remedy?: string): string {
  if (value === undefined || value === '') throw new UsageError(`missing ${flag}`, remedy);
  return value;
}

export function integerOption(name: string, raw: string, min: number): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(value) || value < min) throw new UsageError(`--${name} '${raw}' is not an integer of at least ${min}`);
  return value;
}

/** A rate: a positive number per second, or also 0 with `zeroAllowed`. */
export function perSecondOption(name: string, raw: string, zeroAllowed = false): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < 0 || (value === 0 && !zeroAllowed)) {
    throw new UsageError(`--${name} '${raw}' is not a ${zeroAllowed ? 'non-negative' : 'positive'} number per second`);
  }
  return value;
}

/** A module or agent version: 1 to 3 dot-separated numbers. */
export function versionOption(name: string, raw: string): string {
  if (!isVersion(raw)) throw new UsageError(`--${name} '${raw}' is not a version`, 'give 1 to 3 dot-separated numbers (such as 7 or 1.4.0)');
  return raw;
}

export function choiceOption<T extends string>(name: string, raw: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(raw)) throw new UsageError(`--${name} '${raw}' is not one of ${allowed.join(', ')}`);
  return raw as T;
}

/** A broker URL as the agent reads it (mqtt:// or mqtts://, with a host), normalised. */
export function brokerOption(raw: string): string {
  try {
    return parseBrokerUrl(raw).url;
  } catch (error) {
    if (error instanceof BrokerUrlError) throw new UsageError(error.message);
    throw error;
  }
}

export function boardOption(name: string): BoardDescriptor {
  return findBoard(choiceOption('board', name, loadBoards().map((board) => board.name)));
}

function kindOf(path: string): 'file' | 'folder' | 'missing' {
  try {
    return statSync(path).isDirectory() ? 'folder' : 'file';
  } catch {
    return 'missing';
  }
}

/** A file or folder the command reads; `what` names it, e.g. "--key" or "package". */
export function existingPath(what: string, path: string, kind: 'file' | 'folder' = 'file', remedy?: string): string {
  const found = kindOf(path);
  if (found === 'missing') throw new UsageError(`${what} '${path}' does not exist`, remedy);
  if (found !== kind) throw new UsageError(`${what} '${path}' is a ${found}, not a ${kind}`, remedy);
  return path;
}

/** A path the command writes: its folder must exist. */
export function outputPath(what: string, path: string): string {
  existingPath(`the folder of ${what}`, dirname(path), 'folder');
  return path;
}
