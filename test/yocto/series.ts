/**
 * The Yocto series meta-mote is tested on, and how to run their bitbake here. The trees
 * (bitbake, openembedded-core, meta-openembedded) live in the cache, outside the checkout:
 *   <cache>/yocto/<series>/{bitbake,openembedded-core,meta-openembedded}
 * unpacked from those projects' git repositories at the branches below. Bitbake refuses to run
 * as root, so as root it runs as `nobody` (setpriv), with build folders it owns. Bitbake also
 * needs the en_US.UTF-8 locale: compiled once into the cache with localedef (LOCPATH).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lchownSync, lstatSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, repoRoot } from '../../bundler/paths.ts';

export interface Series {
  name: 'scarthgap' | 'wrynose';
  /** The bitbake branch the series' openembedded-core asks for (BB_MIN_VERSION). */
  bitbakeBranch: string;
}

export const SERIES: Series[] = [
  { name: 'scarthgap', bitbakeBranch: '2.8' },
  { name: 'wrynose', bitbakeBranch: '2.18' },
];

export const yoctoCache = join(cacheDir, 'yocto');
export const layerDir = join(repoRoot, 'yocto', 'meta-mote');
const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;

export const treeOf = (series: Series) => join(yoctoCache, series.name);

/** Why the series cannot be tested here, or null when its trees are in the cache. */
export function missingTrees(series: Series): string | null {
  const root = treeOf(series);
  const wanted = ['bitbake/bin/bitbake', 'openembedded-core/meta/conf/layer.conf', 'meta-openembedded/meta-oe/conf/layer.conf', 'meta-openembedded/meta-networking/conf/layer.conf'];
  const missing = wanted.filter((path) => !existsSync(join(root, path)));
  if (missing.length === 0) return null;
  const what = existsSync(root) ? `${missing.map((path) => join(root, path)).join(', ')} missing` : `${root} does not exist`;
  return (
    `${series.name}: ${what}; unpack bitbake (branch ${series.bitbakeBranch}), ` +
    `openembedded-core and meta-openembedded (branch ${series.name}) into ${root}/, e.g. ` +
    `'git -C <clone> archive ${series.name} | tar -x -C ${root}/openembedded-core'`
  );
}

/** A compiled en_US.UTF-8 locale, which bitbake insists on, in the cache (LOCPATH). */
function localeDir(): string {
  const dir = join(yoctoCache, 'locale');
  if (!existsSync(join(dir, 'en_US.UTF-8', 'LC_CTYPE'))) {
    mkdirSync(dir, { recursive: true });
    const made = spawnSync('localedef', ['-i', 'en_US', '-f', 'UTF-8', join(dir, 'en_US.UTF-8')], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`localedef en_US.UTF-8 failed: ${made.stderr}; install the 'locales' package`);
  }
  return dir;
}

/**
 * As root, gives what root made in a build folder to the builder: what bitbake made is its
 * already and is not walked again (its tmp/ grows large; links there may dangle).
 */
function giveToBuilder(path: string): void {
  if (!isRoot) return;
  const stat = lstatSync(path);
  if (stat.uid === NOBODY) return;
  lchownSync(path, NOBODY, NOBODY);
  if (stat.isDirectory()) for (const entry of readdirSync(path)) giveToBuilder(join(path, entry));
}

/** Where the tests put the `mote dist` tarball the recipes build from (MOTE_DIST_DIR). */
export const distDir = join(yoctoCache, 'dist');

/**
 * local.conf lines of a build that uses Mote: the distro feature and the tarball. No mbedTLS
 * version is asked for: the binding builds against the 2.28 and 3.6 APIs, and each series'
 * meta-networking default (3.6) is what a user gets.
 */
export function moteConf(): string[] {
  return ['DISTRO_FEATURES:append = " mote"', `MOTE_DIST_DIR = "${distDir}"`];
}

export interface BuildDir {
  series: Series;
  dir: string;
}

/**
 * A build folder for the series with the layers meta-mote needs (and meta-mote unless
 * `withMote` is false) and the given local.conf lines. Network off: these runs only parse.
 */
export function buildDirFor(series: Series, name: string, localConf: string[], withMote = true): BuildDir {
  const tree = treeOf(series);
  const dir = join(yoctoCache, `build-${series.name}-${name}`);
  mkdirSync(join(dir, 'conf'), { recursive: true });
  const layers = [join(tree, 'openembedded-core', 'meta'), ...['meta-oe', 'meta-python', 'meta-networking'].map((l) => join(tree, 'meta-openembedded', l)), ...(withMote ? [layerDir] : [])];
  writeFileSync(join(dir, 'conf', 'bblayers.conf'), ['BBPATH = "${TOPDIR}"', 'BBFILES ?= ""', `BBLAYERS = "${layers.join(' ')}"`, ''].join('\n'));
  const common = [
    'MACHINE = "qemuarm"',
    'BB_NO_NETWORK = "1"',
    'CONNECTIVITY_CHECK_URIS = ""',
    'SANITY_TESTED_DISTROS = ""',
    `DL_DIR = "${join(yoctoCache, 'downloads')}"`,
    // Two cores at most, whatever the machine has: a cold parse is long and others share it.
    'BB_NUMBER_THREADS = "2"',
    'BB_NUMBER_PARSE_THREADS = "2"',
  ];
  writeFileSync(join(dir, 'conf', 'local.conf'), [...common, ...localConf, ''].join('\n'));
  mkdirSync(join(yoctoCache, 'downloads'), { recursive: true });
  giveToBuilder(dir);
  giveToBuilder(join(yoctoCache, 'downloads'));
  return { series, dir };
}

export interface Run {
  code: number | null;
  output: string;
}

/** Runs a command of the series' bitbake or oe-core scripts in the build folder, as a non-root user. */
export function inBuild(build: BuildDir, command: string[], limitMs: number): Promise<Run> {
  const tree = treeOf(build.series);
  const env = {
    HOME: build.dir,
    BUILDDIR: build.dir,
    PATH: `${join(tree, 'bitbake', 'bin')}:${join(tree, 'openembedded-core', 'scripts')}:/usr/bin:/bin`,
    LANG: 'en_US.UTF-8',
    LOCPATH: localeDir(),
    BB_ENV_PASSTHROUGH_ADDITIONS: 'LOCPATH',
  };
  const [file, args] = isRoot ? ['setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', ...command]] : [command[0]!, command.slice(1)];
  return new Promise((resolve) => {
    const child = spawn(file, args, { cwd: build.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => child.kill('SIGTERM'), limitMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
