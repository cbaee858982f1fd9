/**
 * The shape every `mote` subcommand has. A command parses its own arguments (with
 * parseCommandLine from options.ts), prints `--help` itself, and returns the process exit code.
 */
import { MoteError } from '../../agent/src/errors.ts';

export interface Command {
  name: string;
  /** One line for `mote --help`. */
  summary: string;
  run(argv: string[]): Promise<number>;
}

/**
 * Bad command-line usage: main prints `mote <command>: <message>; <remedy>` on one line and
 * exits with 2. Without a remedy of its own, the remedy is the command's `--help`.
 */
export class UsageError extends MoteError {
  constructor(
    message: string,
    readonly remedy?: string,
  ) {
    super(message);
  }
}
