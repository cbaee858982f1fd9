/**
 * How `mote-agent load` takes its object file (sys.mapFile), on this machine's real kernel: a
 * regular file is mapped, anything else (a named pipe here) is read whole, and both load the
 * same programs with the same CO-RE fixups; a file its file system cannot map is read; an empty
 * file, a missing one or one that is no object is a one-line error, no trace.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rootSkipReason } from '../support/agent.ts';
import { agentBinary } from '../../bundler/paths.ts';
import { fixtureSources } from '../../bundler/fixtures/bpf-fixtures.ts';
import { compileBpf } from '../../bundler/build/bpf-compile.ts';
import { ensureHostBtf } from '../../bundler/btf/index.ts';

const skipReason = rootSkipReason();
if (skipReason) console.warn(`skipping object file tests: ${skipReason}`);

interface LoadResult { programs: { name: string; error: string | null }[] }

function load(path: string): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(agentBinary.host, ['load', path, '--no-attach', '--seconds', '0', '--json', '--verbose'], { encoding: 'utf8', timeout: 120_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe.skipIf(skipReason !== null)('the object file of mote-agent load', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mote-object-file-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let object = '';

  beforeAll(async () => {
    const host = await ensureHostBtf();
    const source = fixtureSources('tools').find((s) => s.name === 'runqlat')!;
    object = (await compileBpf({ source: source.path, arch: 'x86', includeDirs: [join(host.headerPath, '..')] })).path;
  });

  it('loads the same programs with the same CO-RE lines from a pipe (read) as from the file (mapped)', () => {
    const mapped = load(object);
    const fifo = join(dir, 'object.fifo');
    execFileSync('mkfifo', [fifo]);
    const writer = spawn('sh', ['-c', 'cat "$0" > "$1"', object, fifo], { stdio: 'ignore' });
    const piped = load(fifo);
    writer.kill();
    expect(mapped.status, mapped.stderr).toBe(0);
    expect(piped.status, piped.stderr).toBe(0);
    const programs = (run: { stdout: string }) => (JSON.parse(run.stdout) as LoadResult).programs.map((p) => [p.name, p.error]);
    expect(programs(mapped).length).toBeGreaterThan(0);
    expect(programs(piped)).toEqual(programs(mapped));
    const coreLines = (stderr: string) => stderr.split('\n').filter((line) => /^prog '.*': relo #/.test(line));
    expect(coreLines(mapped.stderr).length).toBeGreaterThan(0);
    expect(coreLines(piped.stderr)).toEqual(coreLines(mapped.stderr));
  });

  it.each([
    ['an empty file', () => { writeFileSync(join(dir, 'empty.o'), ''); return join(dir, 'empty.o'); }, /^mote-agent load: ELF identification .* needs 16 bytes but the input has 0/],
    ['a missing file', () => join(dir, 'missing.o'), /^mote-agent load: open: No such file or directory \(ENOENT\)/],
    // sysfs says 4096 bytes and refuses mmap (ENODEV): read instead, it is 4 bytes, not an ELF file
    ['a file its file system cannot map', () => '/sys/devices/system/cpu/possible', /^mote-agent load: ELF identification .* needs 16 bytes but the input has \d\b/],
  ])('says in one line what is wrong with %s', (_, path, message) => {
    const run = load(path());
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(message);
  });
});
