/**
 * The shape every `mote` subcommand has. A command parses its own arguments (with
 * node:util parseArgs), prints `--help` itself, and returns the process exit code.
 */
export interface Command {
  name: string;
  /** One line for `mote --help`. */
  summary: string;
  run(argv: string[]): Promise<number>;
}

/** Thrown for bad command-line usage; main prints it with the command's help hint. */
export class UsageError extends Error {}
