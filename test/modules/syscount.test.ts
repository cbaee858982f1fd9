/**
 * syscount on the real kernel: a helper process makes N getppid calls; the module's counter
 * deltas for that process and syscall add up to exactly N; with measure_latency set, the
 * calls are still exact and the time spent in them is counted too. `mote watch` shows the
 * records of this x86_64 machine with syscall names.
 */
import { describe, expect, it } from 'vitest';
import { telemetryText } from '../../bundler/cli/watch/render.ts';
import { rootSkipReason } from '../support/agent.ts';
import { triggerBinary } from '../../bundler/fixtures/kernel-fixtures.ts';
import { counterTotal, recordsOf, sampleWhile, startTrigger, type SampleLine } from '../support/module-sampling.ts';
import { type CounterRecord } from '../../agent/src/sample/decode/records.ts';

const skipReason = rootSkipReason();
const CALLS = 777;
const GETPPID_X86_64 = 110;

async function sampleHelper(extraArgs: string[]): Promise<{ pid: number; records: NonNullable<SampleLine['record']>[] }> {
  let pid = 0;
  const run = await sampleWhile(['syscount'], extraArgs, async () => {
    const trigger = await startTrigger(triggerBinary(), { calls: CALLS, udpPort: 0, execs: 0, spinMs: 0 });
    pid = trigger.pid;
    await trigger.run();
  });
  return { pid, records: recordsOf(run, 'syscount') };
}

async function getppidTotals(extraArgs: string[]): Promise<{ calls: number; latencyNs: number; kinds: string[] }> {
  const { pid, records } = await sampleHelper(extraArgs);
  const total = (field: string) => counterTotal(records, (key) => Array.isArray(key) && key[0] === pid && key[1] === GETPPID_X86_64 && key[3] === field);
  return { calls: total('calls'), latencyNs: total('latency_ns'), kinds: [...new Set(records.map((r) => r.kind))] };
}

describe.skipIf(skipReason !== null)('syscount', () => {
  it('counts exactly the getppid calls of a helper process', async () => {
    const totals = await getppidTotals([]);
    expect(totals).toEqual({ calls: CALLS, latencyNs: 0, kinds: ['counter'] });
  });

  it('also sums their latency when measure_latency is set', async () => {
    const totals = await getppidTotals(['--set', 'syscount.measure_latency=1']);
    expect(totals.calls).toBe(CALLS);
    expect(totals.latencyNs).toBeGreaterThan(0);
  });

  it('shows in mote watch as rows named by the x86_64 syscall table', async () => {
    const { pid, records } = await sampleHelper([]);
    const rows = records.flatMap((record, sequence) => telemetryText({
      schemaVersion: 1, deviceId: 'this-host', bootId: new Uint8Array(16), sequence, timeMs: 0, module: 'syscount', moduleVersion: '1',
      window: { startMs: 0, lengthMs: 500 }, record: record as unknown as CounterRecord,
    }, 'x86_64').split('\n').slice(2));
    expect(rows.some((row) => new RegExp(`^\\s*${pid}\\s+getppid\\s`).test(row))).toBe(true);
    const agentRows = rows.filter((row) => /\smote-agent\s/.test(row));
    const agentCalls = agentRows.map((row) => row.trim().split(/\s+/)[1]);
    expect(agentCalls).toEqual(expect.arrayContaining(['bpf']));
    expect(agentCalls.filter((name) => name!.startsWith('syscall_'))).toEqual([]);
  });
});
