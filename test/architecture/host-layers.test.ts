/**
 * The host side runs one way too: the bundler never imports the tests, and no test imports the
 * benchmarks. What both need lives in bundler rooms (build/, board/, fixtures/), which tests
 * import. Checked over the compiler-resolved import graph, and on a small tree written to break
 * both rules.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../bundler/paths.ts';
import { importsCrossing } from '../support/import-crossings.ts';

const bundler = join(repoRoot, 'bundler');
const tests = join(repoRoot, 'test');

describe('host import direction', () => {
  it('sees the real graph: tests import bundler rooms', () => {
    expect(importsCrossing(tests, join(bundler, 'fixtures')).length).toBeGreaterThan(5);
  });

  it('has nothing under bundler/ import from test/', () => {
    expect(importsCrossing(bundler, tests)).toEqual([]);
  });

  it('has no test import bundler/bench/', () => {
    expect(importsCrossing(tests, join(bundler, 'bench'))).toEqual([]);
  });
});

describe('the crossing check', () => {
  const root = mkdtempSync(join(tmpdir(), 'mote-crossing-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  // Specifiers are built from parts so that tools rewriting import lines leave this tree alone.
  const fromRoot = (path: string) => `'../../${path}'`;
  const files: Record<string, string> = {
    'bundler/bench/speed.ts': `import { sample } from ${fromRoot('test/support/sample.ts')};\nexport const speed = sample;\n`,
    'bundler/build/tool.ts': 'export const tool = 1;\n',
    'test/support/sample.ts': 'export const sample = 2;\n',
    'test/unit/speed.test.ts': `import { speed } from ${fromRoot('bundler/bench/speed.ts')};\nimport { tool } from ${fromRoot('bundler/build/tool.ts')};\nexport const both = [speed, tool];\n`,
  };
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }

  it('names a bundler file that imports a test helper, and a test that imports a benchmark', () => {
    expect(importsCrossing(join(root, 'bundler'), join(root, 'test'))).toEqual(['bench/speed.ts -> test/support/sample.ts']);
    expect(importsCrossing(join(root, 'test'), join(root, 'bundler', 'bench'))).toEqual(['unit/speed.test.ts -> bundler/bench/speed.ts']);
  });
});
