/**
 * The loader on a real 32-bit ARM kernel: Debian 12's armmp-lpae kernel (no BTF of its own) in
 * qemu-system-arm runs the armhf mote-agent, which relocates each libbpf-tools-style fixture
 * against a minimized BTF made from the kernel's DWARF, loads it and attaches every program.
 * Every program without a poisoned CO-RE relocation must attach; the kernel may refuse only
 * programs that libbpf's rules poison (a signed long read on a 32-bit kernel cannot be made
 * safe), at the poison call (a poisoned instruction in a branch the verifier prunes is fine).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureArmhfBtf, minimizeBtf } from '../../bundler/btf/index.ts';
import { inspectObject } from '../../agent/src/object/index.ts';
import { buildFixture, fixtureSources } from '../../bundler/fixtures/bpf-fixtures.ts';
import { bootOnce } from '../../bundler/board/boot-once.ts';

interface LoadResult { programs: { name: string; attached: string | null; error: string | null }[] }

describe('armhf loader on the qemu-armv7 board', () => {
  it('loads and attaches every tools fixture through a minimized BTF', async () => {
    const fixtures = (await Promise.all(fixtureSources('tools').map((s) => buildFixture(s, 'arm')))).filter((f) => f.built);
    expect(fixtures.length).toBeGreaterThanOrEqual(10);
    const btf = await ensureArmhfBtf();
    const minimized = join(mkdtempSync(join(tmpdir(), 'mote-min-btf-')), 'min.btf');
    await minimizeBtf(btf.btfPath, fixtures.map((f) => (f.built ? f.objectPath : '')), minimized);
    const files: Record<string, string> = { 'etc/mote/min.btf': minimized };
    const lines: string[] = [];
    for (const f of fixtures) {
      if (!f.built) continue;
      files[`fixtures/${f.name}.o`] = f.objectPath;
      lines.push(`echo "MOTE-RESULT ${f.name} $(/bin/mote-agent load /fixtures/${f.name}.o --btf /etc/mote/min.btf --seconds 0.2 --json 2>/dev/null)"`);
    }
    const boot = await bootOnce({ broker: 'mqtt://10.0.2.2:1883', device: 'loader-test', intervalMs: 1000 }, { files, command: lines.join('\n') }, { limitMs: 240_000, consoleName: 'loader-test.log' });
    const results = new Map<string, LoadResult>();
    for (const match of boot.console.matchAll(/^MOTE-RESULT (\S+) (\{.*\})\r?$/gm)) results.set(match[1], JSON.parse(match[2]));
    expect([...results.keys()].sort()).toEqual(fixtures.map((f) => f.name).sort());
    const minimizedBytes = readFileSync(minimized);
    const poisoned = fixtures.flatMap((f) => {
      if (!f.built) return [];
      const report = inspectObject(readFileSync(f.objectPath), minimizedBytes, { fallbackPointerSize: 4 });
      return [...new Set(report.relocations.filter((r) => r.poisoned).map((r) => `${f.name}/${r.prog}`))];
    });
    const refused = [...results].flatMap(([name, r]) => r.programs.filter((p) => p.error !== null).map((p) => `${name}/${p.name}`));
    expect(refused.filter((program) => !poisoned.includes(program))).toEqual([]);
    expect(refused.length).toBeLessThanOrEqual(poisoned.length);
    for (const [name, result] of results) {
      for (const p of result.programs) {
        if (p.error !== null) expect(p.error, `${name}/${p.name}`).toMatch(/invalid func unknown#195896080/);
        else expect(p.attached, `${name}/${p.name}`).not.toBeNull();
      }
    }
    expect([...results.values()].flatMap((r) => r.programs).filter((p) => p.attached !== null).length).toBeGreaterThanOrEqual(15);
  });
});
