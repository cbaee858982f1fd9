/**
 * Why a module did not load, said once. ModuleLoadError carries the module's name apart from the
 * reason, so a caller that already names the module (a log line, a status entry) prints only the
 * reason; its message names the module once for everyone else. When several programs fail, the
 * reason lists each distinct cause once: a missing tracefs fails every tracepoint alike.
 */
import { MoteError } from '../errors.ts';

export class ModuleLoadError extends MoteError {
  constructor(
    readonly module: string,
    readonly reason: string,
  ) {
    super(`module '${module}': ${reason}`);
  }
}

/** The reason to print beside a module's name: a ModuleLoadError's reason, else the message. */
export function skipReason(error: unknown): string {
  if (error instanceof ModuleLoadError) return error.reason;
  return error instanceof Error ? error.message : String(error);
}

/** Each distinct cause once, in the order the programs met them, one per line. */
export function distinctCauses(causes: string[]): string {
  return [...new Set(causes)].join('\n');
}
