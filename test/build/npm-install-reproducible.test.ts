/**
 * The bootstrap's npm step installs exactly the locked versions on a stranger's machine: in a
 * copy of the tracked tree with no node_modules and an empty npm cache, it succeeds, leaves
 * package-lock.json byte for byte unchanged, adds no file but node_modules, and installs the
 * version the lock names for every package.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { repoRoot } from '../../bundler/paths.ts';

const work = mkdtempSync(join(tmpdir(), 'mote-npm-fresh-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** Every file under `root`, relative, skipping node_modules. */
function filesUnder(root: string, dir = root): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : filesUnder(root, path);
    return [relative(root, path)];
  });
}

it('installs the locked versions from an empty npm cache and changes no tracked file', () => {
  const tree = join(work, 'tree');
  const npmCache = join(work, 'npm-cache');
  mkdirSync(npmCache);
  const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: repoRoot, encoding: 'utf8' }).split('\0').filter((path) => path && existsSync(join(repoRoot, path)));
  for (const path of tracked) {
    mkdirSync(dirname(join(tree, path)), { recursive: true });
    cpSync(join(repoRoot, path), join(tree, path));
  }
  const before = new Map(tracked.map((path) => [path, sha256(join(tree, path))]));

  const run = spawnSync('bash', ['bundler/bootstrap.sh', '--only', 'npm'], {
    cwd: tree,
    encoding: 'utf8',
    env: { ...process.env, npm_config_cache: npmCache },
    timeout: 300_000,
  });
  expect(run.status, `bootstrap's npm step failed:\n${run.stdout}\n${run.stderr}`).toBe(0);
  expect(run.stdout).toContain('installed exactly the locked versions');
  expect(readdirSync(npmCache).length, 'npm used the empty cache given to it').toBeGreaterThan(0);

  expect(sha256(join(tree, 'package-lock.json'))).toBe(before.get('package-lock.json'));
  const changed = tracked.filter((path) => sha256(join(tree, path)) !== before.get(path));
  expect(changed).toEqual([]);
  expect(filesUnder(tree).sort()).toEqual([...tracked].sort());

  const lock = JSON.parse(readFileSync(join(tree, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; optional?: boolean }> };
  const wrong = Object.entries(lock.packages)
    .filter(([path, entry]) => path.startsWith('node_modules/') && !entry.optional)
    .filter(([path, entry]) => {
      const manifest = join(tree, path, 'package.json');
      return !existsSync(manifest) || (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version !== entry.version;
    })
    .map(([path]) => path);
  expect(wrong).toEqual([]);
});
