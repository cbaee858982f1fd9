/** The registry of `mote` subcommands. Add one line per command module. */
import type { Command } from '../command.ts';

export const commands: Command[] = [];
