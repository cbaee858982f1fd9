/**
 * The bootstrap is idempotent: run again after `npm test` already ran it, every step reports
 * its cache and neither QuickJS nor mbedTLS is downloaded or compiled again.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { repoRoot } from '../../bundler/paths.ts';

it('a second bootstrap reuses every cache', () => {
  const output = execFileSync('bash', [join(repoRoot, 'bundler', 'bootstrap.sh')], { encoding: 'utf8', timeout: 120_000 });
  expect(output).toMatch(/Debian packages\n\s+all \d+ present/);
  expect(output).toContain('node_modules up to date');
  expect(output).toMatch(/QuickJS [\d.]+ source\n\s+cached and verified/);
  expect(output).toMatch(/mbedTLS [\d.]+ source\n\s+cached and verified/);
  expect(output).not.toMatch(/apt-get|Get:\d|CC (host|armhf)/);
  expect(output).toContain('[bootstrap] done');
});
