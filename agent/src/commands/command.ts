/**
 * The shape of a `mote-agent` subcommand. Commands get the device's Sys and their own
 * arguments, print their output, and return the exit code.
 */
import type { Sys } from '../sys/types.ts';

export interface AgentCommand {
  name: string;
  summary: string;
  run(sys: Sys, args: string[]): Promise<number> | number;
}
