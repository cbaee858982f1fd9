/**
 * mote-agent's entry point on QuickJS: picks the subcommand from the command line, runs it
 * with the device's Sys, and exits with its code. Unknown commands print the list.
 */
import * as std from 'std';
import { sys } from './sys/native.ts';
import type { AgentCommand } from './commands/command.ts';
import { MoteError, isSysError } from './errors.ts';
import { versionCommand } from './commands/version.ts';
import { doctorCommand } from './commands/doctor.ts';
import { featuresCommand } from './commands/features.ts';
import { loadCommand } from './commands/load.ts';
import { checkBrokerCommand } from './commands/check-broker.ts';
import { runCommand } from './commands/run.ts';
import { benchEncodeCommand } from './commands/bench-encode.ts';
import { sampleCommand } from './commands/sample.ts';
import { otaVerifyCommand } from './commands/ota-verify.ts';
import { setupCommand } from './commands/setup.ts';

const commands: AgentCommand[] = [versionCommand, doctorCommand, featuresCommand, loadCommand, checkBrokerCommand, sampleCommand, runCommand, benchEncodeCommand, otaVerifyCommand, setupCommand];

function usage(): string {
  const lines = commands.map((c) => `  ${c.name.padEnd(13)} ${c.summary}`);
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
  try {
    return await command.run(sys, rest);
  } catch (error) {
    if (!(error instanceof MoteError) && !isSysError(error)) throw error;
    std.err.puts(`mote-agent ${name}: ${error.message}\n`);
    return 1;
  }
}

// Not a top-level await: while the module evaluates, QuickJS runs one promise job per event-loop turn.
main(scriptArgs.slice(1)).then(std.exit, (error: unknown) => {
  std.err.puts(`mote-agent: ${error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error)}\n`);
  std.exit(70);
});
