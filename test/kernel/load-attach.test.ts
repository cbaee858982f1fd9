/**
 * `mote-agent load` on this machine's real kernel: one object with a tracepoint, a raw
 * tracepoint, an fentry, a uprobe on the test's own trigger binary, a perf_event sampler and a
 * socket filter, plus a ring buffer of exec events. The trigger causes a known number of each
 * event; the maps must show exactly those (perf samples: a bounded count). Afterwards the
 * kernel holds none of the agent's programs or links. Where this kernel refuses fentry to root
 * (bpftool's libbpf is asked too), the fentry program must fail by name and the rest still run.
 */
import { describe, expect, it } from 'vitest';
import { rootSkipReason } from '../support/agent.ts';
import { kernelFixture, runLoadWithWorkload, triggerBinary, type LoadRun } from '../../bundler/fixtures/kernel-fixtures.ts';
import { bpftoolLoadsFentry, kernelBpfObjects } from '../support/kernel-bpf.ts';

const skipReason = rootSkipReason();
if (skipReason) console.warn(`skipping load/attach tests: ${skipReason}`);

const CALLS = 250;
const EXECS = 7;
const SPIN_MS = 400;
const UDP_PORT = 39_000 + (process.pid % 1000);
const PROGRAM_NAMES = ['fixture_tracepoint', 'fixture_raw_tp', 'fixture_fentry', 'fixture_uprobe', 'fixture_perf', 'fixture_socket', 'fixture_exec'];
const HOOKS = ['tracepoint', 'raw_tracepoint', 'fentry', 'uprobe', 'perf_event', 'socket'];

function hitsByHook(run: LoadRun): Record<string, number> {
  const hits = run.result?.maps.find((m) => m.name === 'hits');
  return Object.fromEntries((hits?.entries ?? []).map((e) => [HOOKS[e.key as number], e.value as number]));
}

describe.skipIf(skipReason !== null)('mote-agent load on the real kernel', () => {
  let run: LoadRun;
  let fentry: { supported: boolean; reason: string };
  /** Exit status when every program attached (0), or when only fentry could not (2). */
  let expectedStatus: number;

  it('attaches every program this kernel allows, and names the one it refuses', async () => {
    fentry = await bpftoolLoadsFentry();
    expectedStatus = fentry.supported ? 0 : 2;
    if (!fentry.supported) console.warn(`fentry counts not checked: this kernel refuses fentry to root, bpftool too (${fentry.reason})`);
    const object = await kernelFixture('attach_all', { TRIGGER_PATH: JSON.stringify(triggerBinary()) });
    run = await runLoadWithWorkload(object, { calls: CALLS, udpPort: UDP_PORT, execs: EXECS, spinMs: SPIN_MS }, ['--seconds', '3', '--events', '--set', `target_port=${UDP_PORT}`]);
    expect(run.result, run.stderr).not.toBeNull();
    const failures = run.result!.programs.filter((p) => p.error !== null);
    expect(run.result!.programs.map((p) => p.name)).toEqual(PROGRAM_NAMES);
    if (fentry.supported) expect(failures).toEqual([]);
    else expect(failures.map((p) => [p.name, p.error?.startsWith("prog 'fixture_fentry': ")])).toEqual([['fixture_fentry', true]]);
    expect(run.stderr).toContain(`${PROGRAM_NAMES.length - failures.length} of ${PROGRAM_NAMES.length} programs attached`);
    expect(run.status).toBe(expectedStatus);
  });

  it('counts exactly the syscalls, uprobe hits and datagrams the trigger made', () => {
    const hits = hitsByHook(run);
    expect({ tracepoint: hits.tracepoint, raw_tracepoint: hits.raw_tracepoint, fentry: hits.fentry, uprobe: hits.uprobe, socket: hits.socket }).toEqual({
      tracepoint: CALLS, raw_tracepoint: CALLS, fentry: fentry.supported ? CALLS : 0, uprobe: CALLS, socket: CALLS,
    });
  });

  it('samples the trigger while it spins, within what 99 Hz allows', () => {
    const samples = hitsByHook(run).perf_event;
    expect(samples).toBeGreaterThan(0);
    expect(samples).toBeLessThanOrEqual(Math.ceil((99 * SPIN_MS) / 1000) + 10);
  });

  it('delivers one ring buffer record per exec of a child of the trigger, none lost', () => {
    const buffer = run.result!.buffers.find((b) => b.name === 'exec_events')!;
    expect(buffer.records).toBe(EXECS);
    const bss = run.result!.maps.find((m) => m.name === '.bss')!;
    expect(bss.entries[0].value).toEqual({ ring_drops: 0 });
    for (const hex of buffer.data!) {
      const bytes = Buffer.from(hex, 'hex');
      expect(bytes.readUInt32LE(4)).toBe(run.triggerPid);
      expect(bytes.subarray(8, 12).toString()).toBe('true');
    }
  });

  it('leaves no program or link of its own in the kernel', () => {
    const { programs, links } = kernelBpfObjects();
    const ours = programs.filter((p) => p.name !== undefined && PROGRAM_NAMES.some((name) => name.startsWith(p.name!)));
    expect(ours).toEqual([]);
    const ourIds = new Set(ours.map((p) => p.id));
    expect(links.filter((l) => ourIds.has(l.prog_id))).toEqual([]);
  });

  it('detaches everything on SIGTERM and still prints its result', async () => {
    const object = await kernelFixture('attach_all', { TRIGGER_PATH: JSON.stringify(triggerBinary()) });
    const stopped = await runLoadWithWorkload(object, { calls: 10, udpPort: 0, execs: 0, spinMs: 0 }, ['--seconds', '120'], 'SIGTERM');
    expect(stopped.status).toBe(expectedStatus);
    expect(hitsByHook(stopped).tracepoint).toBe(10);
    const names = kernelBpfObjects().programs.map((p) => p.name);
    expect(names.filter((name) => name !== undefined && PROGRAM_NAMES.some((n) => n.startsWith(name)))).toEqual([]);
  });
});
