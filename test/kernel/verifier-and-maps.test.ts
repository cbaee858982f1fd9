/**
 * The loader's error and data paths on the real kernel: a program the verifier refuses is
 * named with the verifier's reason and source line while its sibling still runs; a burst into
 * a small ring buffer is accounted exactly (received + dropped = produced); a perf event array
 * delivers every record; batch lookup and
 * get_next_key iteration read identical contents from maps of 1, 1,000 and 100,000 entries.
 */
import { describe, expect, it } from 'vitest';
import { rootSkipReason } from '../support/agent.ts';
import { kernelFixture, runLoadWithWorkload } from '../../bundler/fixtures/kernel-fixtures.ts';

const skipReason = rootSkipReason();
if (skipReason) console.warn(`skipping verifier and map tests: ${skipReason}`);

const NO_WORK = { calls: 1, udpPort: 0, execs: 0, spinMs: 0 };

describe.skipIf(skipReason !== null)('verifier errors, ring buffer bursts and map reads', () => {
  it('names the refused program, shows the verifier reason and source line, and runs the other', async () => {
    const run = await runLoadWithWorkload(await kernelFixture('rejected'), NO_WORK, ['--seconds', '0.2']);
    const refused = run.result!.programs.find((p) => p.name === 'deref_without_check')!;
    expect(refused.error).toMatch(/^prog 'deref_without_check': the kernel verifier rejected it \(EACCES\): .*invalid mem access 'map_value_or_null'/);
    expect(refused.error).toContain('*value += 1;');
    expect(run.result!.programs.find((p) => p.name === 'still_fine')).toMatchObject({ attached: 'tracepoint syscalls/sys_enter_getpid', error: null });
    expect(run.stderr).toContain("prog 'deref_without_check': the kernel verifier rejected it");
    expect(run.status).toBe(2);
  });

  it('prints the whole verifier log on request', async () => {
    const run = await runLoadWithWorkload(await kernelFixture('rejected'), NO_WORK, ['--seconds', '0.2', '--verifier-log']);
    expect(run.stderr).toMatch(/prog 'deref_without_check': full verifier log:\n[\s\S]*processed \d+ insns/);
  });

  it('accounts for every record of a burst that overflows a 4 KiB ring buffer', async () => {
    const produced = 20_000;
    const run = await runLoadWithWorkload(await kernelFixture('ring_burst'), { calls: produced, udpPort: 0, execs: 0, spinMs: 0 }, ['--seconds', '0.5']);
    expect(run.status).toBe(0);
    const bss = run.result!.maps.find((m) => m.name === '.bss')!.entries[0].value as { ring_drops: number; produced: number };
    const received = run.result!.buffers.find((b) => b.name === 'burst')!.records;
    expect(bss.produced).toBe(produced);
    expect(received + bss.ring_drops).toBe(produced);
    // Without wakeups the ring is drained only at the end: at most 4096 / 16 records fit.
    expect(received).toBeLessThanOrEqual(4096 / 16);
    expect(bss.ring_drops).toBeGreaterThanOrEqual(produced - 4096 / 16);
  });

  it('delivers every record of a perf event array, in order per CPU, none lost', async () => {
    const calls = 500;
    const run = await runLoadWithWorkload(await kernelFixture('perf_output'), { calls, udpPort: 0, execs: 0, spinMs: 0 }, ['--seconds', '1', '--events']);
    expect(run.status, run.stderr).toBe(0);
    const buffer = run.result!.buffers.find((b) => b.name === 'perf_events')!;
    expect({ records: buffer.records, lost: buffer.lost }).toEqual({ records: calls, lost: 0 });
    const sequences = buffer.data!.map((hex) => Number(Buffer.from(hex, 'hex').readBigUInt64LE(0)));
    expect([...sequences].sort((a, b) => a - b)).toEqual(Array.from({ length: calls }, (_, i) => i));
  });

  it('accounts for every record of a perf event array burst: received + lost = sent', async () => {
    // One data page per CPU, so a burst can overflow it. The kernel reports lost samples in a
    // record written before the next sample that fits into the same CPU's buffer: a few late
    // events after a pause, on the same CPU (the trigger is pinned), bring every loss to light.
    const burst = 200_000;
    const late = 5;
    const run = await runLoadWithWorkload(await kernelFixture('perf_output'), { calls: burst, udpPort: 0, execs: 0, spinMs: 300, tailCalls: late, cpu: 0 }, ['--seconds', '6', '--perf-pages', '1'], 'SIGTERM');
    expect(run.status, run.stderr).toBe(0);
    const buffer = run.result!.buffers.find((b) => b.name === 'perf_events')!;
    const sent = (run.result!.maps.find((m) => m.name === '.bss')!.entries[0].value as { sent: number }).sent;
    expect(sent).toBe(burst + late);
    expect(buffer.records + buffer.lost).toBe(sent);
    console.log(`perf event array burst: ${buffer.records} received, ${buffer.lost} reported lost by the kernel`);
  });

  for (const entries of [1, 1_000, 100_000]) {
    it(`reads the same ${entries} entries by batch lookup and by iteration`, async () => {
      const object = await kernelFixture('fill_map');
      const dumps = [];
      for (const method of ['batch', 'iterate']) {
        const run = await runLoadWithWorkload(object, NO_WORK, ['--seconds', '0.5', '--set', `entries=${entries}`, '--dump', method]);
        expect(run.status, run.stderr).toBe(0);
        const map = run.result!.maps.find((m) => m.name === 'filled')!;
        expect(map.method).toBe(method);
        dumps.push(new Map(map.entries.map((e) => [e.key as number, e.value])));
      }
      const [batch, iterated] = dumps;
      expect(batch.size).toBe(entries);
      expect(iterated.size).toBe(entries);
      for (const index of [0, Math.floor(entries / 2), entries - 1]) {
        expect(batch.get(index)).toEqual({ square: index * index, index, tag: 'mote' });
      }
      expect([...batch].every(([key, value]) => JSON.stringify(iterated.get(key)) === JSON.stringify(value))).toBe(true);
    });
  }
});
