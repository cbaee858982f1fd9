/**
 * The BPF interpreter on the board: Debian's armhf kernel keeps the interpreter, so the guest
 * runs execsnoop and syscount with bpf_jit_enable=1 and then 0, each over known work. Under the
 * interpreter as under the JIT: exactly six execs (and forks and exits) of /bin/busybox by the
 * shell that printed its pid, and exactly DD_BYTES read() calls by each of the phase's three
 * `dd bs=1` runs. Timing is for
 * `mote bench interpreter`, not here.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { EXECS, interpreterRun, type InterpreterRun, type JitPhase } from '../../bundler/board/interpreter-run.ts';

const READ_ARM_EABI = 3;
const DD_BYTES = 20_000;

function recordsOf(phase: JitPhase, module: string): Record<string, unknown>[] {
  const skipped = phase.lines.find((l) => l.module === module && l.skipped);
  if (skipped) throw new Error(`bpf_jit_enable=${phase.jitEnable}: module '${module}' was skipped: ${skipped.skipped}`);
  return phase.lines.filter((l) => l.module === module && l.record).map((l) => l.record!);
}

function execsnoopCounts(phase: JitPhase): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const record of recordsOf(phase, 'execsnoop')) {
    const fields = record.fields as string[];
    for (const row of record.rows as Array<{ values: unknown[] }>) {
      const event = Object.fromEntries(fields.map((f, i) => [f, row.values[i]]));
      if (event.ppid !== phase.execParent) continue;
      const kind = `${event.kind}${event.kind === 'process_exec' ? ` ${event.filename}` : ''}`;
      counts[kind] = (counts[kind] ?? 0) + 1;
    }
  }
  return counts;
}

function ddReads(phase: JitPhase): number {
  let total = 0;
  for (const record of recordsOf(phase, 'syscount')) {
    for (const [key, delta] of record.deltas as Array<[unknown[], number]>) {
      if (key[1] === READ_ARM_EABI && key[2] === 'dd' && key[3] === 'calls') total += delta;
    }
  }
  return total;
}

describe('the BPF interpreter on the qemu-armv7 board', () => {
  let run: InterpreterRun;

  beforeAll(async () => {
    run = await interpreterRun(DD_BYTES);
  }, 900_000);

  it('runs one phase with the JIT and one with the interpreter', () => {
    expect(run.phases.map((p) => p.jitEnable)).toEqual([1, 0]);
  });

  it.each([1, 0])('bpf_jit_enable=%i: execsnoop sees exactly the six execs, forks and exits', (jit) => {
    const phase = run.phases.find((p) => p.jitEnable === jit)!;
    expect(execsnoopCounts(phase)).toEqual({ process_fork: EXECS, 'process_exec /bin/busybox': EXECS, process_exit: EXECS });
  });

  it.each([1, 0])('bpf_jit_enable=%i: syscount counts exactly the dd reads', (jit) => {
    const phase = run.phases.find((p) => p.jitEnable === jit)!;
    expect(phase.ddCentiseconds).toHaveLength(3);
    expect(ddReads(phase)).toBe(3 * DD_BYTES);
  });
});
