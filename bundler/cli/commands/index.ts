/** The registry of `mote` subcommands. Add one line per command module. */
import type { Command } from '../command.ts';
import { buildAgentCommand } from './build-agent.ts';

export const commands: Command[] = [buildAgentCommand];
