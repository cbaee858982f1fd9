/**
 * mote-agent's entry point on QuickJS: picks the subcommand from the command line, runs it
 * with the device's Sys, and exits with its code. Unknown commands print the list.
 */
import * as std from 'std';
import { sys } from './sys/native.ts';
import type { AgentCommand } from './commands/command.ts';
import { versionCommand } from './commands/version.ts';
import { doctorCommand } from './commands/doctor.ts';
import { featuresCommand } from './commands/features.ts';

const commands: AgentCommand[] = [versionCommand, doctorCommand, featuresCommand];

function usage(): string {
  const lines = commands.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`);
  return ['usage: mote-agent <command> [options]', '', 'commands:', ...lines].join('\n');
}

async function main(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === 'help') {
    print(usage());
    return name === undefined ? 2 : 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    std.err.puts(`mote-agent: unknown command '${name}'\n${usage()}\n`);
    return 2;
  }
  return command.run(sys, rest);
}

std.exit(await main(scriptArgs.slice(1)));
