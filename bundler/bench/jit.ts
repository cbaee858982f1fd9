/**
 * The BPF interpreter against the JIT, per event, on the emulated qemu-armv7 board, from one
 * boot: with kernel.bpf_stats_enabled on, the guest runs the agent with every built-in module
 * and the end-to-end workload (plus 20,000 one-byte dd copies, so that syscount and runqlat see
 * many events) twice, first with net.core.bpf_jit_enable=0 (every program interpreted; Debian's
 * armhf kernels default to it) then with 1 (every program JIT-compiled at load), and reads each
 * loaded program's run_time_ns and run_cnt from the agent's /proc/<pid>/fdinfo. Programs are
 * matched across the two runs by their tag (a hash of their instructions, the same whether
 * interpreted or compiled). Prints nanoseconds per run for each program and the interpreter's
 * ratio to the JIT. Under emulation the absolute numbers are QEMU's; the ratio is what carries
 * over. Prints numbers only. Needs root (qemu).
 */
import { Mosquitto } from '../broker/mosquitto.ts';
import { guestBrokerUrl } from '../board/guest-broker.ts';
import { bootOnce } from '../board/boot-once.ts';

const MODES = [0, 1] as const;

const command = [
  'echo 1 > /proc/sys/kernel/bpf_stats_enabled',
  `for jit in ${MODES.join(' ')}; do`,
  '  echo $jit > /proc/sys/net/core/bpf_jit_enable',
  '  /bin/mote-agent run --config /etc/mote/config.json > /run/mote-agent.log 2>&1 &',
  '  pid=$!',
  '  /etc/mote/workload.sh once > /dev/null',
  '  dd if=/dev/zero of=/dev/null bs=1 count=20000 2> /dev/null',
  '  for fd in /proc/$pid/fd/*; do',
  '    info=/proc/$pid/fdinfo/${fd##*/}',
  '    grep -q "^prog_tag" $info 2>/dev/null && echo "MOTE-PROG jit=$jit $(grep -E "^(prog_type|prog_jited|prog_tag|run_time_ns|run_cnt)" $info | tr -s " \\t" " " | tr "\\n" " ")"',
  '  done',
  '  kill -TERM $pid; wait $pid',
  'done',
].join('\n');

interface ProgramRun {
  type: number;
  jited: boolean;
  runTimeNs: number;
  runs: number;
}

const broker = await Mosquitto.start();
try {
  const boot = await bootOnce({ broker: guestBrokerUrl(broker.url), device: 'jit-bench', intervalMs: 1000 }, { command }, { limitMs: 900_000, consoleName: 'jit-bench.log' });
  const runs = new Map<string, Map<number, ProgramRun>>();
  for (const m of boot.console.matchAll(/MOTE-PROG jit=(\d) prog_type: (\d+) prog_jited: (\d) prog_tag: (\w+) run_time_ns: (\d+) run_cnt: (\d+)/g)) {
    const byMode = runs.get(m[4]!) ?? new Map<number, ProgramRun>();
    byMode.set(Number(m[1]), { type: Number(m[2]), jited: m[3] === '1', runTimeNs: Number(m[5]), runs: Number(m[6]) });
    runs.set(m[4]!, byMode);
  }
  if (runs.size === 0) throw new Error(`no program statistics in the guest console:\n${boot.console.split('\n').slice(-30).join('\n')}`);
  console.log(`BPF interpreter against the JIT on ${boot.release} (qemu-armv7, one boot), ns per program run from kernel.bpf_stats_enabled:`);
  console.log(`  ${'program tag'.padEnd(18)} ${'type'.padStart(4)} ${'runs (interp)'.padStart(13)} ${'ns (interp)'.padStart(11)} ${'runs (JIT)'.padStart(10)} ${'ns (JIT)'.padStart(9)} ${'interp/JIT'.padStart(10)}`);
  let interpNs = 0;
  let interpRuns = 0;
  let jitNs = 0;
  let jitRuns = 0;
  for (const [tag, byMode] of runs) {
    const interp = byMode.get(0);
    const jit = byMode.get(1);
    if (!interp || !jit || interp.runs === 0 || jit.runs === 0) continue;
    if (interp.jited || !jit.jited) throw new Error(`program ${tag}: expected interpreted then JIT-compiled, found prog_jited ${interp.jited} then ${jit.jited}`);
    const perInterp = interp.runTimeNs / interp.runs;
    const perJit = jit.runTimeNs / jit.runs;
    interpNs += interp.runTimeNs;
    interpRuns += interp.runs;
    jitNs += jit.runTimeNs;
    jitRuns += jit.runs;
    console.log(`  ${tag.padEnd(18)} ${String(interp.type).padStart(4)} ${String(interp.runs).padStart(13)} ${perInterp.toFixed(0).padStart(11)} ${String(jit.runs).padStart(10)} ${perJit.toFixed(0).padStart(9)} ${(perInterp / perJit).toFixed(2).padStart(10)}`);
  }
  if (interpRuns && jitRuns) {
    console.log(`  all programs, weighted by runs: interpreter ${(interpNs / interpRuns).toFixed(0)} ns, JIT ${(jitNs / jitRuns).toFixed(0)} ns per run: the interpreter costs ${(interpNs / interpRuns / (jitNs / jitRuns)).toFixed(2)}x the JIT`);
  }
} finally {
  await broker.stop();
}
