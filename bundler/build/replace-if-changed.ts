/** Generated build inputs that keep their time when their content does not change. */
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';

/**
 * Moves `fresh` over `target` only when the bytes differ, so an unchanged build keeps the old
 * file's time and make relinks nothing (binaries that tests are running stay put).
 */
export function replaceIfChanged(fresh: string, target: string): void {
  if (existsSync(target) && readFileSync(target).equals(readFileSync(fresh))) rmSync(fresh);
  else renameSync(fresh, target);
}
