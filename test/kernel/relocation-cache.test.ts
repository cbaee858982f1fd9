/**
 * The relocation cache of `mote-agent load --cache-dir` on this machine's real kernel, with
 * libbpf-tools' runqlat (CO-RE reads, tp_btf and raw tracepoint programs): the first load
 * relocates and writes an entry holding exactly what CO-RE computes (the same fixups as the
 * relocation engine under Node, which test/conformance holds to libbpf's); the next load takes
 * it and never parses the kernel's BTF; a truncated, damaged or misfitting entry is ignored,
 * counted, and written again; another object, another target BTF or another agent build misses
 * (and the object's entry for the old BTF is removed, not other objects'); an entry another user
 * owns or others may write is ignored; what a crash left of a write is removed, but not a running
 * process's; a directory that cannot be written costs the cache, not the load.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rootSkipReason, runHostAgent } from '../support/agent.ts';
import { fixtureSources } from '../../bundler/fixtures/bpf-fixtures.ts';
import { compileBpf } from '../../bundler/build/bpf-compile.ts';
import { ensureHostBtf } from '../../bundler/btf/index.ts';
import { loadObject, relocate } from '../../agent/src/object/index.ts';
import { Btf } from '../../agent/src/btf/btf.ts';
import { agentHash, cacheFileText } from '../support/agent-cache-file.ts';

const skipReason = rootSkipReason();
if (skipReason) console.warn(`skipping relocation cache tests: ${skipReason}`);

interface LoadResult {
  relocations: 'cached' | 'relocated';
  targetBtfParsed: boolean;
  relocationCache: { hits: number; misses: number; damaged: number; writeFailures: number };
  programs: { name: string; error: string | null }[];
}

describe.skipIf(skipReason !== null)('the relocation cache on the real kernel', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mote-relocation-cache-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let object = '';

  const load = (extra: string[] = [], path = object): { result: LoadResult; stderr: string } => {
    const run = runHostAgent(['load', path, '--no-attach', '--seconds', '0', '--json', '--cache-dir', dir, ...extra], 120_000);
    expect(run.stdout, run.stderr).not.toBe('');
    return { result: JSON.parse(run.stdout) as LoadResult, stderr: run.stderr };
  };
  const entries = () => readdirSync(dir).filter((name) => name.startsWith('core-'));
  const entryPath = () => join(dir, entries()[0]!);
  /** Leaves one entry, the object's for the kernel's BTF, and returns its path. */
  const onlyEntry = (): string => {
    for (const name of entries()) rmSync(join(dir, name));
    load();
    expect(entries()).toHaveLength(1);
    return entryPath();
  };

  it('relocates on the first load and keeps exactly what CO-RE computes', async () => {
    const host = await ensureHostBtf();
    const source = fixtureSources('tools').find((s) => s.name === 'runqlat')!;
    object = (await compileBpf({ source: source.path, arch: 'x86', includeDirs: [join(host.headerPath, '..')] })).path;
    const { result } = load();
    expect(result.relocations).toBe('relocated');
    expect(result.targetBtfParsed).toBe(true);
    expect(result.relocationCache).toEqual({ hits: 0, misses: 1, damaged: 0, writeFailures: 0 });
    expect(entries()).toHaveLength(1);
    const stored = JSON.parse(readFileSync(entryPath(), 'utf8').split('\n')[1]!);
    const expected = relocate(loadObject(new Uint8Array(readFileSync(object))), Btf.parse(new Uint8Array(readFileSync('/sys/kernel/btf/vmlinux'))), { fallbackPointerSize: 8 });
    expect(expected.length).toBeGreaterThan(0);
    expect(stored.fixups).toEqual(JSON.parse(JSON.stringify(expected, (_, v) => (typeof v === 'bigint' ? v.toString() : v))));
    const tracing = result.programs.filter((p) => p.error === null).map((p) => p.name);
    expect(Object.keys(stored.attachBtfIds).every((name) => tracing.includes(name))).toBe(true);
  });

  it('takes the entry on the next load: no CO-RE, the kernel BTF not even parsed, the same programs loaded', () => {
    const first = load();
    expect(first.result.relocations).toBe('cached');
    expect(first.result.targetBtfParsed).toBe(false);
    expect(first.result.relocationCache).toEqual({ hits: 1, misses: 0, damaged: 0, writeFailures: 0 });
    expect(first.result.programs.map((p) => [p.name, p.error === null])).toEqual(load().result.programs.map((p) => [p.name, p.error === null]));
  });

  it.each([
    ['truncated', (text: string) => text.slice(0, Math.floor(text.length / 2)), /digest does not match/],
    ['with a byte changed', (text: string) => text.replace('"fixups":[{', '"fixups":[{ '), /digest does not match/],
    ['emptied', () => '', /does not start with its digest/],
    ['not JSON under a right digest', () => `${agentHash(new TextEncoder().encode('{"format":1,'))}\n{"format":1,`, /not JSON/],
  ])('ignores an entry %s, counts it, relocates and writes it again', (_, damage, reason) => {
    const path = entryPath();
    writeFileSync(path, damage(readFileSync(path, 'utf8')));
    const damaged = load();
    expect(damaged.result.relocations).toBe('relocated');
    expect(damaged.result.relocationCache).toMatchObject({ hits: 0, damaged: 1 });
    expect(damaged.stderr).toMatch(reason);
    expect(damaged.stderr).toContain('relocating and writing it again');
    expect(load().result.relocations).toBe('cached');
  });

  it('ignores an entry whose patches do not fit the instructions, though its digest and key are right', () => {
    const path = entryPath();
    const body = JSON.parse(readFileSync(path, 'utf8').split('\n')[1]!);
    const patched = body.fixups.find((f: { patches: unknown[] }) => f.patches.length > 0);
    patched.patches[0].from = String(BigInt(patched.patches[0].from) + 1n);
    writeFileSync(path, cacheFileText(body));
    const misfit = load();
    expect(misfit.result.relocations).toBe('relocated');
    expect(misfit.result.relocationCache).toMatchObject({ hits: 0, damaged: 1 });
    expect(misfit.stderr).toContain('do not fit');
    expect(load().result.relocations).toBe('cached');
  });

  it('misses for another agent build, and rebuilds the entry', () => {
    const path = entryPath();
    const body = JSON.parse(readFileSync(path, 'utf8').split('\n')[1]!);
    writeFileSync(path, cacheFileText({ ...body, agent: `${body.agent}-older` }));
    const other = load();
    expect(other.result.relocations).toBe('relocated');
    expect(other.result.relocationCache).toEqual({ hits: 0, misses: 1, damaged: 0, writeFailures: 0 });
    expect(load().result.relocations).toBe('cached');
  });

  it('misses for another object, and keeps both entries for the same kernel', async () => {
    const host = await ensureHostBtf();
    const source = fixtureSources('tools').find((s) => s.name === 'opensnoop')!;
    const other = (await compileBpf({ source: source.path, arch: 'x86', includeDirs: [join(host.headerPath, '..')] })).path;
    expect(load([], other).result.relocations).toBe('relocated');
    expect(entries()).toHaveLength(2);
    expect(load([], other).result.relocations).toBe('cached');
    expect(load().result.relocations).toBe('cached');
  });

  it('misses for another target BTF, and drops that object\'s entry for the old one, not the other object\'s', () => {
    const minimized = join(dir, 'runqlat.min.btf');
    execFileSync('bpftool', ['gen', 'min_core_btf', '/sys/kernel/btf/vmlinux', minimized, object]);
    const before = entries();
    expect(before).toHaveLength(2);
    const other = load(['--btf', minimized]);
    expect(other.result.relocations).toBe('relocated');
    const after = entries();
    expect(after).toHaveLength(2);
    const added = after.filter((name) => !before.includes(name));
    const dropped = before.filter((name) => !after.includes(name));
    expect(added).toHaveLength(1);
    expect(dropped).toHaveLength(1);
    expect(added[0]!.split('-')[1]).toBe(dropped[0]!.split('-')[1]);
    expect(load(['--btf', minimized]).result.relocations).toBe('cached');
  });

  it.each([
    ['another user owns', (path: string) => chownSync(path, 65534, 65534), /belongs to uid 65534, not to the agent's uid 0/],
    ['others may write', (path: string) => chmodSync(path, 0o664), /others may write it \(mode 664\)/],
  ])('ignores an entry %s (its patches change BPF programs), relocates and writes its own', (_, change, reason) => {
    const path = onlyEntry();
    change(path);
    const ignored = load();
    expect(ignored.result.relocations).toBe('relocated');
    expect(ignored.result.relocationCache).toMatchObject({ hits: 0, damaged: 1 });
    expect(ignored.stderr).toMatch(reason);
    expect(statSync(path)).toMatchObject({ uid: 0 });
    expect(load().result.relocations).toBe('cached');
  });

  it('removes what a crash left of a write, but not the temporary file of a process still running', () => {
    const gone = spawnSync('true').pid!;
    const path = onlyEntry();
    writeFileSync(`${path}.tmp.${gone}`, 'cut short');
    writeFileSync(`${path}.tmp.${process.pid}`, 'being written');
    writeFileSync(path, '');
    expect(load().result.relocations).toBe('relocated');
    expect(readdirSync(dir).filter((name) => name.includes('.tmp.'))).toEqual([`${path.split('/').pop()}.tmp.${process.pid}`]);
    rmSync(`${path}.tmp.${process.pid}`);
  });

  it('loads without the cache when its directory cannot be written, and says so once', () => {
    const run = runHostAgent(['load', object, '--no-attach', '--seconds', '0', '--json', '--cache-dir', '/dev/null/cache'], 120_000);
    expect(run.status, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as LoadResult;
    expect(result.relocations).toBe('relocated');
    expect(result.relocationCache).toMatchObject({ writeFailures: 1 });
    expect(run.stderr).toMatch(/relocation cache \/dev\/null\/cache: cannot write \(.*ENOTDIR.*\); loads relocate every time/);
  });
});
