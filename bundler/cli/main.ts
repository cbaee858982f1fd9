/**
 * Dispatcher of the host CLI: `mote <command> [options]`. Knows no command by name; it looks
 * them up in the registry and prints the list on `--help`. Typed failures become one line on
 * stderr: usage errors exit with 2, other MoteErrors with 1. Anything else is a bug and is
 * thrown on, for mote.mjs to report.
 */
import { commands } from './commands/index.ts';
import { UsageError } from './command.ts';
import { MoteError } from '../../agent/src/errors.ts';

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length), 8);
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return ['usage: mote <command> [options]', '', 'commands:', ...lines, '', "Run 'mote <command> --help' for a command's options."].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    console.error(`mote: unknown command '${name}'; run 'mote --help' for the list`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`mote ${name}: ${err.message}; ${err.remedy ?? `run 'mote ${name} --help' for usage`}`);
      return 2;
    }
    if (err instanceof MoteError) {
      console.error(`mote ${name}: ${err.message}`);
      return 1;
    }
    throw err;
  }
}
