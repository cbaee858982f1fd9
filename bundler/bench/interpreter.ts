/**
 * Per-event overhead of the BPF interpreter against the JIT, on the emulated qemu-armv7 board
 * (Debian's armhf kernel), from one boot (board/interpreter-run.ts): `dd bs=1` makes N reads and N
 * writes, each running syscount's two programs (sys_enter and sys_exit); its run time with no
 * program attached is the reference, and the extra time with syscount and execsnoop attached,
 * per program run (fastest of three timings each), is the overhead under bpf_jit_enable=1 and 0. Under qemu's emulation the
 * absolute numbers are far from a real board's; the ratio is the result. Needs root (qemu).
 */
import { buildAgent } from '../build/agent.ts';
import { interpreterRun } from '../board/interpreter-run.ts';

/** Enough one-byte copies that /proc/uptime's 10 ms steps are small against the JIT's overhead. */
const DD_BYTES = 100_000;

await buildAgent(() => {});
const run = await interpreterRun(DD_BYTES);
/** Two syscalls per byte (read and write), two syscount programs each (dd's few other calls left out). */
const programRuns = DD_BYTES * 2 * 2;
const fastestMs = (centiseconds: number[]) => Math.min(...centiseconds) * 10;
const baselineMs = fastestMs(run.baselineCentiseconds);
console.log(`dd bs=1 count=${DD_BYTES} in the qemu-armv7 guest, fastest of ${run.baselineCentiseconds.length} (/proc/uptime, 10 ms steps):`);
console.log(`  no BPF program (reference): ${baselineMs} ms  [${run.baselineCentiseconds.map((c) => c * 10).join(', ')}]`);
const overheads = new Map<number, number>();
for (const phase of run.phases) {
  const ms = fastestMs(phase.ddCentiseconds);
  const perRunNs = ((ms - baselineMs) * 1e6) / programRuns;
  overheads.set(phase.jitEnable, perRunNs);
  console.log(`  bpf_jit_enable=${phase.jitEnable}, syscount and execsnoop attached: ${ms} ms  [${phase.ddCentiseconds.map((c) => c * 10).join(', ')}]; ${perRunNs.toFixed(0)} ns per program run over the reference`);
}
const jit = overheads.get(1);
const interpreter = overheads.get(0);
if (jit !== undefined && interpreter !== undefined && jit > 0) console.log(`interpreter / JIT per-event overhead: ${(interpreter / jit).toFixed(2)}`);
