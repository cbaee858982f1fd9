/**
 * Content-hash caching for what the build, the tests and the benchmarks compile (BPF objects,
 * BTFs, the libbpf oracle, helper binaries): files under `build/cache/` in the checkout
 * (git-ignored), named by a hash of everything that went into them. File hashes are memoised per
 * process by path, size and mtime.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildDir } from '../paths.ts';

/** `build/cache/<parts...>`, created if missing. */
export function buildCacheDir(...parts: string[]): string {
  const dir = join(buildDir, 'cache', ...parts);
  mkdirSync(dir, { recursive: true });
  return dir;
}

const fileHashes = new Map<string, string>();

export function hashFile(path: string): string {
  const st = statSync(path);
  const memoKey = `${path}\0${st.size}\0${st.mtimeMs}`;
  let hash = fileHashes.get(memoKey);
  if (hash === undefined) {
    hash = createHash('sha256').update(readFileSync(path)).digest('hex');
    fileHashes.set(memoKey, hash);
  }
  return hash;
}

export function hashStrings(...parts: string[]): string {
  const h = createHash('sha256');
  for (const part of parts) h.update(part).update('\0');
  return h.digest('hex').slice(0, 24);
}
