/**
 * The store's file calls (StoreFiles) over node:fs, failing the way mote:sys does (errors
 * carrying errno, code and call), and a variant that loses power after a given number of calls:
 * the call that is cut short leaves what a crash can leave (a temp file), and every later call
 * fails, as nothing runs after the crash.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { StoreFiles } from '../../agent/src/ota/store.ts';

function sysError(error: unknown, call: string): Error {
  const { code, errno, message } = error as NodeJS.ErrnoException;
  return Object.assign(new Error(`${call}: ${message}`), { code: code ?? 'EIO', errno: Math.abs(errno ?? 5), call });
}

export function wrap<T>(call: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw sysError(error, call);
  }
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  fsyncSync(fd);
  closeSync(fd);
}

export const nodeFiles: StoreFiles = {
  readFile: (path) => wrap('open', () => new Uint8Array(readFileSync(path))),
  writeFileAtomic: (path, bytes, onStep) =>
    wrap('rename', () => {
      const temp = `${path}.tmp.${process.pid}`;
      writeFileSync(temp, bytes);
      onStep?.('write-temp');
      fsyncPath(temp);
      onStep?.('fsync');
      renameSync(temp, path);
      onStep?.('rename');
      fsyncPath(dirname(path));
      onStep?.('fsync-dir');
    }),
  unlink: (path) => wrap('unlink', () => unlinkSync(path)),
  mkdir: (path, mode) => wrap('mkdir', () => mkdirSync(path, { mode })),
  readDir: (path) => wrap('opendir', () => readdirSync(path)),
};

export class PowerLoss extends Error {}

/** nodeFiles that stop working `calls` calls after `arm()`; `crashed` says whether that happened. */
export function filesLosingPowerAfter(calls: number): StoreFiles & { crashed: boolean; arm(): void } {
  let left = Infinity;
  const files = {
    crashed: false,
    arm(): void {
      left = calls;
    },
    gate(): void {
      if (left-- > 0) return;
      files.crashed = true;
      throw new PowerLoss('power lost');
    },
    readFile: (path: string) => (files.gate(), nodeFiles.readFile(path)),
    writeFileAtomic: (path: string, bytes: Uint8Array) => {
      if (left === 0) writeFileSync(`${path}.tmp.4242`, bytes.subarray(0, bytes.length >> 1));
      files.gate();
      nodeFiles.writeFileAtomic(path, bytes);
    },
    unlink: (path: string) => (files.gate(), nodeFiles.unlink(path)),
    mkdir: (path: string, mode: number) => (files.gate(), nodeFiles.mkdir(path, mode)),
    readDir: (path: string) => (files.gate(), nodeFiles.readDir(path)),
  };
  return files;
}
