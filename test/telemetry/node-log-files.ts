/**
 * The outbox log's file calls (LogFiles) over node:fs, failing the way mote:sys does: the
 * module store's whole-file calls (test/ota/node-files.ts) plus open, read, write, fsync and close on
 * descriptors. The numeric open flags are Linux's, which node:fs passes through unchanged.
 */
import { closeSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import type { LogFiles } from '../../agent/src/telemetry/log/segment-log.ts';
import { nodeFiles, wrap } from '../ota/node-files.ts';

export const nodeLogFiles: LogFiles = {
  ...nodeFiles,
  open: (path, flags, mode) => wrap('open', () => openSync(path, flags, mode)),
  close: (fd) => wrap('close', () => closeSync(fd)),
  read: (fd, bytes) => wrap('read', () => readSync(fd, bytes)),
  write: (fd, bytes) => wrap('write', () => writeSync(fd, bytes)),
  fsync: (fd) => wrap('fsync', () => fsyncSync(fd)),
};
