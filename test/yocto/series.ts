/**
 * The Yocto series meta-mote is tested on, and how to run their bitbake here. The trees
 * (bitbake, openembedded-core, meta-openembedded) live in the cache, outside the checkout:
 *   <cache>/yocto/<series>/{bitbake,openembedded-core,meta-openembedded}
 * unpacked from those projects' git repositories at the branches below. Bitbake refuses to run
 * as root, so as root it runs as `nobody` (setpriv), with build folders it owns. Bitbake also
 * needs the en_US.UTF-8 locale: compiled once into the cache with localedef (LOCPATH). Bitbake
 * runs under `nice -n 10`: the machine is shared.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lchownSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'vitest';
import { cacheDir, repoRoot } from '../../bundler/paths.ts';

export interface Series {
  name: 'scarthgap' | 'wrynose';
  /** The bitbake branch the series' openembedded-core asks for (BB_MIN_VERSION). */
  bitbakeBranch: string;
}

const ALL_SERIES: Series[] = [
  { name: 'scarthgap', bitbakeBranch: '2.8' },
  { name: 'wrynose', bitbakeBranch: '2.18' },
];

/**
 * The series to test: all of them, or those named in MOTE_YOCTO_SERIES (comma-separated), e.g.
 * MOTE_YOCTO_SERIES=scarthgap to run one series' parses only.
 */
export const SERIES: Series[] = (() => {
  const wanted = process.env.MOTE_YOCTO_SERIES?.split(',').map((name) => name.trim()).filter(Boolean);
  if (!wanted?.length) return ALL_SERIES;
  const unknown = wanted.filter((name) => !ALL_SERIES.some((series) => series.name === name));
  if (unknown.length) throw new Error(`MOTE_YOCTO_SERIES names ${unknown.join(', ')}; the series are ${ALL_SERIES.map((series) => series.name).join(', ')}`);
  return ALL_SERIES.filter((series) => wanted.includes(series.name));
})();

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

/** Inside a describe block: registers a skipped test that says why, and returns true, when the series' trees are absent. */
export function skippedWithoutTrees(series: Series): boolean {
  const missing = missingTrees(series);
  if (!missing) return false;
  it.skip(`skipped: ${missing}`, () => {});
  console.log(`[yocto] skipping ${series.name}: ${missing}`);
  return true;
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

export interface RunOptions {
  /** Variables handed to bitbake's configuration through BB_ENV_PASSTHROUGH_ADDITIONS. */
  passthrough?: Record<string, string>;
}

/** Runs a command of the series' bitbake or oe-core scripts in the build folder, as a non-root user, at low priority. */
export function inBuild(build: BuildDir, command: string[], limitMs: number, options: RunOptions = {}): Promise<Run> {
  const tree = treeOf(build.series);
  const passthrough = options.passthrough ?? {};
  const env = {
    HOME: build.dir,
    BUILDDIR: build.dir,
    PATH: `${join(tree, 'bitbake', 'bin')}:${join(tree, 'openembedded-core', 'scripts')}:/usr/bin:/bin`,
    LANG: 'en_US.UTF-8',
    LOCPATH: localeDir(),
    BB_ENV_PASSTHROUGH_ADDITIONS: ['LOCPATH', ...Object.keys(passthrough)].join(' '),
    ...passthrough,
  };
  const asBuilder = isRoot ? ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups'] : [];
  const [file, ...args] = ['nice', '-n', '10', ...asBuilder, ...command];
  return new Promise((resolve) => {
    const child = spawn(file!, args, { cwd: build.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
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

/**
 * local.conf lines of the folders whose signatures are compared (and of the sanity checks, which
 * share them): the signature handler yocto-check-layer's get_signatures uses, OEBasicHash (no hash
 * equivalence). In local.conf, not the environment, so that every run there reuses one parse.
 */
export const SIGNATURE_CONF = ['BB_SIGNATURE_HANDLER = "OEBasicHash"'];

/** A task signature per `recipe:task`, as `bitbake -S lockedsigs` writes them to locked-sigs.inc. */
export type Signatures = Map<string, string>;

/**
 * The task signatures of the targets and of every task they depend on, the way
 * yocto-check-layer's test_signatures takes them (scripts/lib/checklayer get_signatures):
 * `bitbake -S lockedsigs`, read from the SIGGEN_LOCKEDSIGS_t-<tune> lists of locked-sigs.inc. The
 * folder's local.conf has SIGNATURE_CONF.
 */
export async function lockedSignatures(build: BuildDir, targets: string[], limitMs: number): Promise<{ run: Run; signatures: Signatures }> {
  const file = join(build.dir, 'locked-sigs.inc');
  rmSync(file, { force: true });
  const run = await inBuild(build, ['bitbake', '-S', 'lockedsigs', ...targets], limitMs);
  const signatures: Signatures = new Map();
  if (run.code !== 0 || !existsSync(file)) return { run, signatures };
  let inList = false;
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    const line = raw.trim();
    const assignment = /^(\S+)\s*\+?=/.exec(line);
    if (assignment) {
      inList = /^SIGGEN_LOCKEDSIGS_t-\S*$/.test(assignment[1]!);
      continue;
    }
    const signature = inList ? /^([^:]*:[^:]*):([^:]*) .$/.exec(line) : null;
    if (signature) signatures.set(signature[1]!, signature[2]!);
  }
  return { run, signatures };
}
