/**
 * apt for one Debian suite's armhf (or armel) packages. The default suite (bookworm) is the system's own
 * apt, as configured. Any other suite (bullseye, trixie...) gets a project-local configuration
 * in the cache: a `deb [arch=armhf] <mirror> <suite> main` line (armel: its own configuration), with the mirror read from the
 * system's apt sources, and its own package lists, so the system's sources are never touched.
 * The lists are fetched when missing and refreshed a day after the last fetch.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { moteCacheDir } from './cache.ts';
import { BtfSourcingError } from './errors.ts';
import { progress, runTool } from './run-tool.ts';

/** The suite of the build host (Debian 12) and of the board image by default. */
export const DEFAULT_SUITE = 'bookworm';

/** The Debian suites whose armhf kernels Mote is tested on, oldest first, with their release numbers. */
export const KERNEL_SUITES = ['bullseye', 'bookworm', 'trixie'] as const;
export const DEBIAN_RELEASE: Record<(typeof KERNEL_SUITES)[number], number> = { bullseye: 11, bookworm: 12, trixie: 13 };

export interface SuiteApt {
  suite: string;
  /** Options that point apt-get and apt-cache at this suite's configuration (none: the system's). */
  options: string[];
}

const SOURCES_DIR = '/etc/apt/sources.list.d';
const SOURCES_LIST = '/etc/apt/sources.list';
const LISTS_MAX_AGE_MS = 24 * 60 * 60 * 1000;

/** The URI of the Debian archive (a suite without a `-updates`/`-security` suffix) the system uses. */
export function systemDebianMirror(): string {
  const stanzas = existsSync(SOURCES_DIR)
    ? readdirSync(SOURCES_DIR).filter((f) => f.endsWith('.sources')).flatMap((f) => readFileSync(join(SOURCES_DIR, f), 'utf8').split(/\n\s*\n/))
    : [];
  for (const stanza of stanzas) {
    const field = (name: string) => new RegExp(`^${name}:\\s*(.+)$`, 'mi').exec(stanza)?.[1]?.trim().split(/\s+/) ?? [];
    const uri = field('URIs')[0];
    if (uri && field('Types').includes('deb') && field('Suites').includes(DEFAULT_SUITE)) return uri;
  }
  const lines = existsSync(SOURCES_LIST) ? readFileSync(SOURCES_LIST, 'utf8').split('\n') : [];
  for (const line of lines) {
    const words = line.replace(/\[[^\]]*\]/, '').trim().split(/\s+/);
    if (words[0] === 'deb' && words[2] === DEFAULT_SUITE && words[1]) return words[1];
  }
  throw new BtfSourcingError(
    'find the Debian mirror',
    `no '${DEFAULT_SUITE}' source in ${SOURCES_DIR}/*.sources or ${SOURCES_LIST}`,
    `Add the Debian ${DEFAULT_SUITE} archive to the system's apt sources (other suites are fetched through the same mirror), then re-run.`,
  );
}

/** apt dates the lists as the mirror does, so freshness is kept by a stamp written after each fetch. */
function listsAreFresh(stamp: string): boolean {
  return existsSync(stamp) && Date.now() - statSync(stamp).mtimeMs < LISTS_MAX_AGE_MS;
}

/** The apt options for `suite`, fetching its package lists first when they are missing or old. */
export async function suiteApt(suite: string = DEFAULT_SUITE, arch: 'armhf' | 'armel' = 'armhf'): Promise<SuiteApt> {
  if (suite === DEFAULT_SUITE) return { suite, options: [] };
  if (!/^[a-z]+$/.test(suite)) throw new BtfSourcingError('configure apt', `'${suite}' is not a Debian suite name`, `Use a code name such as ${KERNEL_SUITES.join(', ')}.`);
  const dir = moteCacheDir('apt', arch === 'armhf' ? suite : `${suite}-${arch}`);
  const sourcesList = join(dir, 'sources.list');
  const listsDir = join(dir, 'lists');
  mkdirSync(join(listsDir, 'partial'), { recursive: true });
  mkdirSync(join(dir, 'cache', 'archives', 'partial'), { recursive: true });
  const line = `deb [arch=${arch}] ${systemDebianMirror()} ${suite} main\n`;
  const changed = !existsSync(sourcesList) || readFileSync(sourcesList, 'utf8') !== line;
  if (changed) writeFileSync(sourcesList, line);
  const options = [
    '-o', `Dir::Etc::sourcelist=${sourcesList}`, '-o', 'Dir::Etc::sourceparts=/nonexistent',
    '-o', `Dir::State::Lists=${listsDir}`, '-o', `Dir::Cache=${join(dir, 'cache')}`, '-o', 'APT::Sandbox::User=root',
  ];
  const stamp = join(dir, 'lists-fetched');
  if (changed || !listsAreFresh(stamp)) {
    progress(`fetching the ${suite} ${arch} package lists (apt configuration in ${dir})`);
    await runTool({
      step: `apt-get update for ${suite}`,
      command: 'apt-get',
      args: ['-q', ...options, 'update'],
      remedy: `Check that the mirror in ${sourcesList} serves '${suite}' (older suites move to the archive mirror), then re-run.`,
    });
    writeFileSync(stamp, `${new Date().toISOString()}\n`);
  }
  return { suite, options };
}
