/**
 * The sampler on an mmapable array, through a test module run with `mote-agent sample --object
 * --manifest`: a gauge of a helper process's getppid calls is exact, and the samples issue no
 * bpf() map read at all, since the values come through the mapping (counted with strace).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureHostBtf } from '../../bundler/btf/index.ts';
import { agentBinary, rootSkipReason } from '../support/agent.ts';
import { compileBpf } from '../../bundler/build/bpf-compile.ts';
import { FIXTURES_DIR } from '../../bundler/fixtures/bpf-fixtures.ts';
import { triggerBinary } from '../../bundler/fixtures/kernel-fixtures.ts';
import { startTrigger, type SampleLine } from '../support/module-sampling.ts';
import { exited, waitFor } from '../../bundler/fixtures/waiting.ts';

const skipReason = rootSkipReason();
const FIXTURES = join(FIXTURES_DIR, 'modules');
const CALLS = 321;
const MAP_READS = /bpf\(BPF_MAP_(LOOKUP_ELEM|LOOKUP_BATCH|LOOKUP_AND_DELETE_BATCH|GET_NEXT_KEY)\b/;

describe.skipIf(skipReason !== null)('an mmapable array', () => {
  it('is sampled exactly, with no bpf() map read per sample', async () => {
    const host = await ensureHostBtf();
    const object = (await compileBpf({ source: join(FIXTURES, 'syscall_gauge.bpf.c'), arch: 'x86', includeDirs: [join(host.headerPath, '..')] })).path;
    const helper = await startTrigger(triggerBinary(), { calls: CALLS, udpPort: 0, execs: 0, spinMs: 0 });
    const dir = mkdtempSync(join(tmpdir(), 'mote-mmap-'));
    const trace = join(dir, 'strace.log');
    const args = ['sample', '--object', object, '--manifest', join(FIXTURES, 'syscall_gauge.json'), '--set', `syscall_gauge.target_tgid=${helper.pid}`, '--interval-ms', '200', '--seconds', '2', '--json'];
    const agent = spawn('strace', ['-f', '-qq', '-e', 'trace=bpf', '-o', trace, agentBinary.host, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    agent.stdout.on('data', (chunk) => (stdout += chunk));
    agent.stderr.on('data', (chunk) => (stderr += chunk));
    try {
      await waitFor(() => /sample: sampling/.test(stderr) || agent.exitCode !== null, 'the agent to sample', 60_000);
      await helper.run();
      expect(await exited(agent), stderr).toBe(0);
      const records = stdout.trim().split('\n').map((l) => JSON.parse(l) as SampleLine);
      expect(records.length).toBeGreaterThanOrEqual(5);
      expect(records.at(-1)?.record).toMatchObject({ kind: 'gauge', values: [[0, CALLS], [1, expect.any(Number)]] });
      const calls = readFileSync(trace, 'utf8').split('\n');
      expect(calls.some((line) => line.includes('bpf(BPF_MAP_CREATE'))).toBe(true);
      const mapReads = calls.filter((line) => MAP_READS.test(line));
      // At most the kernel feature probe for batch operations, never one per sample.
      expect(mapReads.length, mapReads.join('\n')).toBeLessThanOrEqual(1);
    } finally {
      agent.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
