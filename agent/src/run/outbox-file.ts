/**
 * The outbox's file on the device's flash (`--outbox-file`): read once at start, replaced
 * atomically (Sys.writeFileAtomic) when the outbox changed. A write that fails is logged and the
 * messages stay in memory; the agent goes on.
 */
import type { Sys } from '../sys/types.ts';
import type { OutboxStorage } from '../telemetry/persistent-outbox.ts';
import type { Logger } from '../telemetry/runtime.ts';
import { isSysError } from '../errors.ts';

export function outboxFile(sys: Sys, path: string, log: Logger): OutboxStorage {
  return {
    load() {
      try {
        return sys.readFile(path);
      } catch (error) {
        if (isSysError(error, 'ENOENT')) return undefined;
        log.warn(`outbox file ${path}: cannot read it (${(error as Error).message}); starting with an empty outbox`);
        return undefined;
      }
    },
    save(bytes) {
      try {
        sys.writeFileAtomic(path, bytes);
      } catch (error) {
        log.warn(`outbox file ${path}: cannot write it (${(error as Error).message}); messages stay in memory only: check the path and free space`);
      }
    },
  };
}
