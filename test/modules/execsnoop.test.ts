/**
 * execsnoop on the real kernel: a helper process forks and execs /bin/true N times; the events
 * with that helper as parent are exactly N forks, N execs of /bin/true and N exits with code 0,
 * through the ring buffer and through the perf buffer of kernels before 5.8 alike. With the
 * agent stopped while a burst of execs overflows the ring buffer, every record is either
 * reported or counted as dropped (lost reservations included), and each reported one reads back
 * whole, the one that wraps past the end of the ring included.
 */
import { describe, expect, it } from 'vitest';
import { rootSkipReason } from '../support/agent.ts';
import { triggerBinary } from '../../bundler/fixtures/kernel-fixtures.ts';
import { EVENT_PATHS, eventRows, recordsOf, sampleWhile, startTrigger, variantOf } from '../support/module-sampling.ts';

const skipReason = rootSkipReason();
const EXECS = 6;

describe.skipIf(skipReason !== null).each(EVENT_PATHS)('execsnoop through the $path', ({ env, variant }) => {
  it('reports every fork, exec and exit of a helper process\'s children', async () => {
    let pid = 0;
    const run = await sampleWhile(['execsnoop'], [], async () => {
      const trigger = await startTrigger(triggerBinary(), { calls: 0, udpPort: 0, execs: EXECS, spinMs: 0 });
      pid = trigger.pid;
      await trigger.run();
    }, 500, env);
    expect(variantOf(run, 'execsnoop')).toMatch(variant);
    const records = recordsOf(run, 'execsnoop');
    const children = eventRows(records).filter((row) => row.ppid === pid);
    const execs = children.filter((row) => row.kind === 'process_exec');
    expect(execs).toHaveLength(EXECS);
    expect(execs.every((row) => row.filename === '/bin/true' && row.comm === 'true')).toBe(true);
    expect(children.filter((row) => row.kind === 'process_fork')).toHaveLength(EXECS);
    const exits = children.filter((row) => row.kind === 'process_exit');
    expect(exits).toHaveLength(EXECS);
    expect(exits.every((row) => row.exit_code === 0)).toBe(true);
    expect(new Set(execs.map((row) => row.pid))).toEqual(new Set(exits.map((row) => row.pid)));
    expect(records.reduce((sum, r) => sum + (r.dropped as number), 0)).toBe(0);
  });
});

describe.skipIf(skipReason !== null)('execsnoop', () => {
  it('counts records the ring buffer could not hold as dropped', async () => {
    const burst = 700;
    let pid = 0;
    const run = await sampleWhile(['execsnoop'], [], async (agent) => {
      const trigger = await startTrigger(triggerBinary(), { calls: 0, udpPort: 0, execs: burst, spinMs: 0 });
      pid = trigger.pid;
      agent.kill('SIGSTOP');
      try {
        await trigger.run();
      } finally {
        agent.kill('SIGCONT');
      }
    });
    const records = recordsOf(run, 'execsnoop');
    const children = eventRows(records).filter((row) => row.ppid === pid);
    const dropped = records.reduce((sum, r) => sum + (r.dropped as number), 0);
    // Fork, exec and exit per child; 256 KiB of 176-byte records hold fewer than 1,500.
    expect(dropped).toBeGreaterThan(0);
    expect(children.length + dropped).toBeGreaterThanOrEqual(3 * burst);
    // The burst fills the whole ring from near its start, so records run past the end of its data
    // area: every one reported decodes to a child of the helper (test/unit/kernel/ring-buffer-wrap
    // checks the bytes of such records).
    expect(children.filter((row) => row.kind === 'process_exec').every((row) => row.filename === '/bin/true' && row.comm === 'true')).toBe(true);
    expect(children.filter((row) => row.kind === 'process_exit').every((row) => row.exit_code === 0)).toBe(true);
    expect(children.every((row) => ['process_fork', 'process_exec', 'process_exit'].includes(row.kind as string))).toBe(true);
  });
});
