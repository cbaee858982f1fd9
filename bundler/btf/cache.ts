/**
 * Where host-side artefacts that are expensive to make live: `$MOTE_CACHE`, else
 * `${XDG_CACHE_HOME:-~/.cache}/mote` (bundler/paths.ts). Outside the checkout, so they survive fresh clones and `git clean`. Files are written to a
 * temporary name and renamed into place, so a half-written file is never mistaken for a result.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from '../paths.ts';

export function moteCacheDir(...parts: string[]): string {
  const dir = join(cacheDir, ...parts);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Runs `produce(tmpPath)` and renames its output to `finalPath` only if it succeeded. */
export async function produceAtomically(finalPath: string, produce: (tmpPath: string) => Promise<void>): Promise<void> {
  const tmpPath = `${finalPath}.tmp-${process.pid}`;
  try {
    await produce(tmpPath);
    renameSync(tmpPath, finalPath);
  } finally {
    rmSync(tmpPath, { force: true });
  }
}

export function writeFileAtomically(finalPath: string, data: string | Uint8Array): void {
  const tmpPath = `${finalPath}.tmp-${process.pid}`;
  writeFileSync(tmpPath, data);
  renameSync(tmpPath, finalPath);
}

export function allExist(...paths: string[]): boolean {
  return paths.every((p) => existsSync(p));
}
