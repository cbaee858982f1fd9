/**
 * The kernel BTF's digest kept for the boot (`<cache-dir>/kernel-btf.json`,
 * agent/src/kernel/btf-digest.ts), on this machine's real kernel: the first load hashes
 * /sys/kernel/btf/vmlinux and keeps the digest with this boot's id, the kernel, the BTF's size
 * and the agent's build; the next load keys the relocation cache with the kept digest instead of
 * hashing again; a digest kept for another boot, kernel, size or agent build is not used (the
 * BTF is hashed again, the right key found, the file written again); a damaged file is ignored,
 * logged and written again.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rootSkipReason, runHostAgent } from '../support/agent.ts';
import { fixtureSources } from '../../bundler/fixtures/bpf-fixtures.ts';
import { compileBpf } from '../../bundler/build/bpf-compile.ts';
import { ensureHostBtf } from '../../bundler/btf/index.ts';
import { agentHash, cacheFileText } from '../support/agent-cache-file.ts';

const KERNEL_BTF = '/sys/kernel/btf/vmlinux';
const skipReason = rootSkipReason() ?? (statSync(KERNEL_BTF, { throwIfNoEntry: false }) ? null : `this kernel has no ${KERNEL_BTF}`);
if (skipReason) console.warn(`skipping kernel BTF digest tests: ${skipReason}`);

interface Kept { format: number; bootId: string; release: string; version: string; machine: string; size: number; agent: string; digest: string }

describe.skipIf(skipReason !== null)('the kernel BTF digest kept for the boot', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mote-btf-digest-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'kernel-btf.json');
  let object = '';
  let realDigest = '';

  const load = (): { relocations: string; stderr: string } => {
    const run = runHostAgent(['load', object, '--no-attach', '--seconds', '0', '--json', '--cache-dir', dir], 120_000);
    expect(run.stdout, run.stderr).not.toBe('');
    return { relocations: (JSON.parse(run.stdout) as { relocations: string }).relocations, stderr: run.stderr };
  };
  const kept = (): Kept => JSON.parse(readFileSync(file, 'utf8').split('\n')[1]!) as Kept;
  /** The target BTF digests in the relocation cache's entry names. */
  const entryDigests = () => readdirSync(dir).filter((name) => name.startsWith('core-')).map((name) => /^core-[0-9a-f]{16}-([0-9a-f]{16})\.json$/.exec(name)![1]);

  beforeAll(async () => {
    const host = await ensureHostBtf();
    const source = fixtureSources('tools').find((s) => s.name === 'opensnoop')!;
    object = (await compileBpf({ source: source.path, arch: 'x86', includeDirs: [join(host.headerPath, '..')] })).path;
    realDigest = agentHash(new Uint8Array(readFileSync(KERNEL_BTF)));
  });

  it('hashes the kernel BTF on the first load and keeps the digest with this boot, kernel, size and agent build', () => {
    expect(load().relocations).toBe('relocated');
    const first = kept();
    expect(first).toMatchObject({
      format: 1, bootId: readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(), release: runUname('-r'), machine: runUname('-m'),
      size: readFileSync(KERNEL_BTF).length, digest: realDigest,
    });
    expect(entryDigests()).toEqual([realDigest]);
    expect(load().relocations).toBe('cached');
  });

  it('keys the relocation cache with the kept digest, without hashing the BTF again', () => {
    writeFileSync(file, cacheFileText({ ...kept(), digest: 'feedfacefeedface' }));
    expect(load().relocations).toBe('relocated');
    expect(entryDigests()).toEqual(['feedfacefeedface']);
    expect(kept().digest).toBe('feedfacefeedface');
    writeFileSync(file, cacheFileText({ ...kept(), digest: realDigest }));
    expect(load().relocations).toBe('relocated');
    expect(entryDigests()).toEqual([realDigest]);
  });

  it.each([
    ['another boot', { bootId: '00000000-0000-4000-8000-000000000000' }],
    ['another kernel release', { release: '1.0.0-other' }],
    ['another kernel build', { version: '#2 SMP other' }],
    ['a BTF of another size', { size: 1234 }],
    ['another agent build', { agent: '0.0.0+other' }],
  ])('does not use a digest kept for %s: hashes again, finds the right entry, keeps the digest again', (_, change) => {
    writeFileSync(file, cacheFileText({ ...kept(), ...change, digest: 'feedfacefeedface' }));
    expect(load().relocations).toBe('cached');
    expect(entryDigests()).toEqual([realDigest]);
    expect(kept()).toMatchObject({ digest: realDigest, bootId: readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() });
  });

  it('ignores a damaged file, says so, hashes again and keeps the digest again', () => {
    writeFileSync(file, readFileSync(file, 'utf8').slice(0, 40));
    const damaged = load();
    expect(damaged.relocations).toBe('cached');
    expect(damaged.stderr).toMatch(/kernel BTF digest .*kernel-btf\.json: ignored, its digest does not match its contents .*; hashing the BTF again/);
    expect(kept().digest).toBe(realDigest);
  });
});

function runUname(flag: string): string {
  return execFileSync('uname', [flag], { encoding: 'utf8' }).trim();
}
