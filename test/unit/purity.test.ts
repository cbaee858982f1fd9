/**
 * The pure loader core (elf/, btf/, object/) must run unchanged under QuickJS: no imports from
 * kernel/, sys/ or the `mote:sys` binding, no node: modules, and no process, clock or timers.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const PURE = ['agent/src/elf', 'agent/src/btf', 'agent/src/object'];
/** The decoding half of sample/: manifest, BTF decoding and record building. */
const PURE_FILES = ['btf-value.ts', 'field-format.ts', 'manifest.ts', 'map-records.ts', 'event-records.ts', 'module-settings.ts'].map((f) => `agent/src/sample/${f}`);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

const FORBIDDEN: [string, RegExp][] = [
  ['imports from kernel/', /from\s+['"][^'"]*\/kernel\//],
  ['imports from sys/', /from\s+['"][^'"]*\/sys\//],
  ["imports 'mote:sys'", /['"]mote:sys['"]/],
  ['imports a node: module', /from\s+['"]node:/],
  ['uses process', /\bprocess\./],
  ['reads the clock', /\bDate\b|performance\.now/],
  ['uses timers', /\b(setTimeout|setInterval|setImmediate)\s*\(/],
  ['uses Buffer or TextDecoder (absent in QuickJS)', /\bnew (TextDecoder|TextEncoder)\b|\bBuffer\./],
];

describe('pure modules', () => {
  const files = [...PURE.flatMap((d) => sources(join(ROOT, d))), ...PURE_FILES.map((f) => join(ROOT, f))];

  it('exist', () => {
    expect(files.length).toBeGreaterThan(20);
  });

  it.each(FORBIDDEN)('no file %s', (_, pattern) => {
    const offenders = files.filter((f) => pattern.test(readFileSync(f, 'utf8'))).map((f) => relative(ROOT, f));
    expect(offenders).toEqual([]);
  });

  it('every module starts with a doc comment', () => {
    const missing = files.filter((f) => !readFileSync(f, 'utf8').startsWith('/**')).map((f) => relative(ROOT, f));
    expect(missing).toEqual([]);
  });
});
