/**
 * mkdir -p over Sys.mkdir: makes each missing directory of a path, parents first, with one mode,
 * and leaves those that exist as they are.
 */
import type { Sys } from '../sys/types.ts';
import { isSysError } from '../errors.ts';

/** Makes `path` and its missing parents with `mode`; throws the SysError of the first that cannot be made. */
export function makeDirectories(files: Pick<Sys, 'mkdir'>, path: string, mode: number): void {
  const parts = path.split('/').filter((part) => part !== '');
  for (let depth = 1; depth <= parts.length; depth++) {
    try {
      files.mkdir(`${path.startsWith('/') ? '/' : ''}${parts.slice(0, depth).join('/')}`, mode);
    } catch (error) {
      if (!isSysError(error, 'EEXIST')) throw error;
    }
  }
}
