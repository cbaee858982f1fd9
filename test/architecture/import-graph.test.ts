/**
 * The agent's layers run one way, checked over the real import graph as the TypeScript compiler
 * resolves it: no cycle between rooms, no import up the layers, pure rooms import only pure
 * rooms and touch no clock, timer or process, and only the rooms that may touch the OS import
 * sys/ for more than the Sys interface's type.
 */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../bundler/paths.ts';
import { importGraph, impureGlobals, layerViolations, PURE_FOLDERS, purityViolations, roomCycles, sourceFiles, sysViolations } from '../support/import-graph.ts';

const root = join(repoRoot, 'agent', 'src');
const edges = importGraph(root);

describe('agent/src import graph', () => {
  it('is the real graph', () => {
    expect(edges.length).toBeGreaterThan(300);
    expect(edges.some((edge) => edge.to === 'mote:sys')).toBe(true);
  });

  it('has no cycle between rooms', () => {
    expect(roomCycles(edges)).toEqual([]);
  });

  it('imports only down the layers', () => {
    expect(layerViolations(edges)).toEqual([]);
  });

  it('keeps the pure rooms pure', () => {
    for (const room of PURE_FOLDERS) expect(sourceFiles(join(root, room)).length, `files in ${room}`).toBeGreaterThan(0);
    expect(purityViolations(edges)).toEqual([]);
  });

  it('touches no clock, timer, process or Node buffer in a pure room', () => {
    const offenders = PURE_FOLDERS.flatMap((room) => sourceFiles(join(root, room)))
      .map((file) => [relative(root, file), impureGlobals(file)] as const)
      .filter(([, uses]) => uses.length > 0)
      .map(([file, uses]) => `${file}: ${uses.join(', ')}`);
    expect(offenders).toEqual([]);
  });

  it('lets only kernel/, the telemetry transports and the OTA store use sys/', () => {
    expect(sysViolations(edges)).toEqual([]);
  });

  it('starts every module with a doc comment', () => {
    const missing = sourceFiles(root).filter((file) => !/^\/\*\*/.test(readFileSync(file, 'utf8'))).map((file) => relative(root, file));
    expect(missing).toEqual([]);
  });
});
