/**
 * mote_div.h's division by 1000, which bitehist and runqlat use instead of BPF's 64-bit division
 * (the 32-bit ARM JIT cannot compile that one): the header compiled for the host with clang (the BPF compiler) and
 * checked against C's own division.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { buildDir, repoRoot } from '../../../bundler/paths.ts';

it('divides every 64-bit value by 1000 exactly, like C', () => {
  const dir = join(buildDir, 'test-cache', 'mote-div');
  mkdirSync(dir, { recursive: true });
  const binary = join(dir, 'mote-div-check');
  execFileSync('clang', ['-O2', '-Wall', '-Werror', '-I', join(repoRoot, 'agent', 'modules', 'include'), join(repoRoot, 'test', 'unit', 'modules', 'mote-div-check.c'), '-o', binary]);
  const checked = Number(execFileSync(binary, { encoding: 'utf8' }).trim());
  expect(checked).toBeGreaterThan(65_536_000 + 2_000_000);
});
