/** The registry of `mote` subcommands. Add one line per command module. */
import type { Command } from '../command.ts';
import { btfCommand } from './btf.ts';
import { buildAgentCommand } from './build-agent.ts';
import { demoCommand } from './demo.ts';
import { inspectCommand } from './inspect.ts';
import { sizeCommand } from './size.ts';
import { watchCommand } from './watch.ts';

export const commands: Command[] = [btfCommand, buildAgentCommand, demoCommand, inspectCommand, sizeCommand, watchCommand];
