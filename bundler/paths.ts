/**
 * Where things live on the build host: the checkout, its git-ignored build/ folder, and the
 * cache outside the checkout (MOTE_CACHE, else $XDG_CACHE_HOME/mote, else ~/.cache/mote) that
 * holds downloads and toolchain builds so fresh clones reuse them.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const buildDir = join(repoRoot, 'build');
export const cacheDir = process.env.MOTE_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'mote');

/** A value from bundler/<package>.pin (`key=value` lines) of a Debian source package. */
export function sourcePin(sourcePackage: 'quickjs' | 'mbedtls', key: 'version' | 'debian_version' | 'suite' | 'orig_sha256'): string {
  const text = readFileSync(join(repoRoot, 'bundler', `${sourcePackage}.pin`), 'utf8');
  const match = text.match(new RegExp(`^${key}=(.*)$`, 'm'));
  if (!match) throw new Error(`bundler/${sourcePackage}.pin has no '${key}='; restore it from git`);
  return match[1];
}

export const quickjsSource = join(cacheDir, 'quickjs', `quickjs-${sourcePin('quickjs', 'version')}`);
export const quickjsBuild = join(cacheDir, 'quickjs-build');
export const mbedtlsSource = join(cacheDir, 'mbedtls', `mbedtls-${sourcePin('mbedtls', 'version')}`);
export const mbedtlsBuild = join(cacheDir, 'mbedtls-build');

/** The agent binaries `npm run build` produces. */
export const agentBinary = {
  host: join(buildDir, 'host', 'mote-agent'),
  armhf: join(buildDir, 'armhf', 'mote-agent'),
} as const;
