/**
 * The import-graph checker itself fails where it must: on a small tree written for the purpose
 * with a cycle between two rooms, an import up the layers, a pure room reaching the OS, a value
 * import of sys/ from a room that may not touch it, and a clock read in a pure room.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { importGraph, impureGlobals, layerViolations, purityViolations, roomCycles, sysViolations } from '../support/import-graph.ts';

const root = mkdtempSync(join(tmpdir(), 'mote-graph-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(root, 'tree-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const clean = {
  'run/agent.ts': "import { sample } from '../sample/sample.ts';\nimport type { Sys } from '../sys/types.ts';\nexport const run = (sys: Sys) => sample(sys);\n",
  'sample/sample.ts': "import { parse } from '../elf/parse.ts';\nexport const sample = (x: unknown) => parse(x);\n",
  'elf/parse.ts': "import { read } from '../bytes/reader.ts';\nexport const parse = (x: unknown) => read(x);\n",
  'bytes/reader.ts': 'export const read = (x: unknown) => x;\n',
  'sys/types.ts': 'export interface Sys { now(): number }\n',
  'kernel/map.ts': "import { sys } from '../sys/native.ts';\nexport const map = () => sys;\n",
  'sys/native.ts': "import * as native from 'mote:sys';\nexport const sys = native;\n",
};

it('passes a tree that follows the rules', () => {
  const edges = importGraph(tree(clean));
  expect(edges.length).toBe(6);
  expect(roomCycles(edges)).toEqual([]);
  expect(layerViolations(edges)).toEqual([]);
  expect(purityViolations(edges)).toEqual([]);
  expect(sysViolations(edges)).toEqual([]);
});

it('finds a cycle between rooms, however long', () => {
  const edges = importGraph(tree({ ...clean, 'bytes/reader.ts': "import { run } from '../run/agent.ts';\nexport const read = (x: unknown) => [x, run];\n" }));
  expect(roomCycles(edges)).toEqual([['bytes', 'elf', 'run', 'sample']]);
  expect(layerViolations(edges)).toEqual(["bytes/reader.ts imports run/agent.ts: 'run' is above 'bytes'"]);
});

it('finds a pure room that reaches the OS or a stateful room', () => {
  const edges = importGraph(tree({ ...clean, 'elf/parse.ts': "import { readFileSync } from 'node:fs';\nimport { map } from '../kernel/map.ts';\nexport const parse = () => [readFileSync, map];\n" }));
  expect(purityViolations(edges)).toEqual(['elf/parse.ts imports node:fs', 'elf/parse.ts imports kernel/map.ts']);
});

it('finds a value import of sys/ outside the rooms that may touch the OS', () => {
  const edges = importGraph(tree({ ...clean, 'run/agent.ts': "import { sys } from '../sys/native.ts';\nexport const run = () => sys;\n" }));
  expect(sysViolations(edges)).toEqual(['run/agent.ts imports sys/native.ts']);
});

it('finds clock, timer and process use, but not a member of the same name', () => {
  const dir = tree({ 'elf/clock.ts': 'export const t = Date.now();\nsetTimeout(() => process.exit(0), 1);\nexport const ok = { Date: 1 }.Date;\n' });
  expect(impureGlobals(join(dir, 'elf/clock.ts'))).toEqual(['Date at line 1', 'setTimeout at line 2', 'process at line 2']);
});
