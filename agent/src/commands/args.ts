/**
 * A small command-line parser for mote-agent (QuickJS has no node:util): `--flag`,
 * `--option value` or `--option=value`, repeatable options, and positionals. Unknown options
 * are errors that list the known ones.
 */
import { MoteError } from '../errors.ts';

export class ArgumentError extends MoteError {}

export interface OptionSpec {
  /** Takes a value (else a boolean flag). */
  value?: boolean;
  /** May be given several times; values collect in order. */
  repeat?: boolean;
}

export interface ParsedArgs {
  options: Record<string, string | boolean | string[]>;
  positionals: string[];
}

export function parseAgentArgs(command: string, args: string[], spec: Record<string, OptionSpec>): ParsedArgs {
  const options: ParsedArgs['options'] = {};
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2);
    const option = spec[name];
    if (!option) throw new ArgumentError(`${command}: unknown option --${name}; known: ${Object.keys(spec).map((k) => `--${k}`).join(', ')}`);
    if (!option.value) {
      options[name] = true;
      continue;
    }
    const value = inline ?? args[++i];
    if (value === undefined) throw new ArgumentError(`${command}: --${name} needs a value`);
    if (option.repeat) options[name] = [...((options[name] as string[] | undefined) ?? []), value];
    else options[name] = value;
  }
  return { options, positionals };
}

export function numberOption(command: string, parsed: ParsedArgs, name: string, fallback: number): number {
  const raw = parsed.options[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (typeof raw !== 'string' || !Number.isFinite(value) || value < 0) throw new ArgumentError(`${command}: --${name} must be a non-negative number, not '${raw}'`);
  return value;
}
