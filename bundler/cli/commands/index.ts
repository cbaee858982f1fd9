/** The registry of `mote` subcommands: import the command module and list it, alphabetically. */
import type { Command } from '../command.ts';
import { benchCommand } from './bench.ts';
import { btfCommand } from './btf.ts';
import { buildCommand } from './build.ts';
import { buildAgentCommand } from './build-agent.ts';
import { distCommand } from './dist.ts';
import { enrollCommand } from './enroll.ts';
import { fleetSimCommand } from './fleet-sim.ts';
import { inspectCommand } from './inspect.ts';
import { keygenCommand } from './keygen.ts';
import { packCommand } from './pack.ts';
import { publishCommand } from './publish.ts';
import { removeCommand } from './remove.ts';
import { runCommand } from './run.ts';
import { serveCommand } from './serve.ts';
import { sizeCommand } from './size.ts';
import { startCommand } from './start.ts';
import { watchCommand } from './watch.ts';

export const commands: Command[] = [benchCommand, btfCommand, buildCommand, buildAgentCommand, distCommand, enrollCommand, fleetSimCommand, inspectCommand, keygenCommand, packCommand, publishCommand, removeCommand, runCommand, serveCommand, sizeCommand, startCommand, watchCommand];
