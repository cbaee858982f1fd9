/**
 * The agent's cache files (relocations, feature probes): JSON whose first line is the 16-digit
 * digest (Sys.hash) of the rest, replaced atomically. Reading one that is truncated, damaged or
 * not JSON is a CacheFileError, so the caller ignores it and makes it again; a missing one is
 * null. The digest finds accidental damage only (it is not a MAC), so a file is used only when
 * the agent's own uid owns it and no one else may write it: entries patch BPF instructions.
 */
import type { Sys } from '../sys/types.ts';
import { decodeUtf8, encodeUtf8 } from '../bytes/utf8.ts';
import { MoteError, isSysError } from '../errors.ts';
import { makeDirectories } from './make-directories.ts';

/** A cache file that is there but cannot be used: truncated, damaged, or not what it should be. */
export class CacheFileError extends MoteError {}

/** The JSON value of a cache file; null when there is none. Other read errors are thrown as they are. */
export function readCacheFile(sys: Sys, path: string): unknown {
  let bytes: Uint8Array;
  try {
    bytes = sys.readFile(path);
  } catch (error) {
    if (isSysError(error, 'ENOENT')) return null;
    throw error;
  }
  const status = sys.stat(path);
  if (status.uid !== sys.geteuid()) throw new CacheFileError(`it belongs to uid ${status.uid}, not to the agent's uid ${sys.geteuid()} (run mote-agent setup, or delete it)`);
  if ((status.mode & 0o022) !== 0) throw new CacheFileError(`others may write it (mode ${(status.mode & 0o777).toString(8)}); delete it`);
  if (bytes.indexOf(0x0a) !== 16) throw new CacheFileError('it does not start with its digest (truncated or not a cache file)');
  const body = bytes.subarray(17);
  if (decodeUtf8(bytes.subarray(0, 16)) !== sys.hash(body)) throw new CacheFileError('its digest does not match its contents (truncated or damaged)');
  try {
    return JSON.parse(decodeUtf8(body));
  } catch {
    throw new CacheFileError('its contents are not JSON');
  }
}

/** mkdir -p `dir` (mode 0750 for what it makes), then replaces `dir/name` atomically. */
export function writeCacheFile(sys: Sys, dir: string, name: string, value: unknown): void {
  makeDirectories(sys, dir, 0o750);
  const body = encodeUtf8(JSON.stringify(value));
  const file = new Uint8Array(17 + body.length);
  file.set(encodeUtf8(`${sys.hash(body)}\n`));
  file.set(body, 17);
  sys.writeFileAtomic(`${dir}/${name}`, file);
}
