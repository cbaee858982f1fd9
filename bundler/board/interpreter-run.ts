/**
 * One boot of the emulated qemu-armv7 board (Debian's armhf kernel, which keeps the BPF
 * interpreter) that runs execsnoop and syscount with the JIT on and then off
 * (/proc/sys/net/core/bpf_jit_enable 1, then 0), with known work under each: six execs of
 * /bin/busybox by a shell that prints its pid, and `dd bs=1 count=N` (N reads and N writes).
 * The same boot times that dd with no module attached, the reference for per-event overhead.
 * dd is timed three times per phase with the agent stopped (SIGSTOP: its programs still run, its
 * sampling does not compete with dd for the guest's one CPU).
 * Used by test/board/interpreter.test.ts (exact counts) and `mote bench interpreter` (timing).
 */
import { bootOnce } from './boot-once.ts';

export const EXECS = 6;

export interface JitPhase {
  /** What /proc/sys/net/core/bpf_jit_enable read back. */
  jitEnable: number;
  /** The pid of the shell that ran the execs. */
  execParent: number;
  /** dd's run times with the modules attached, in centiseconds of /proc/uptime. */
  ddCentiseconds: number[];
  /** The agent's JSON lines (`mote-agent sample --json`). */
  lines: Array<{ module: string; variant?: string; skipped?: string; record?: Record<string, unknown> }>;
}

export interface InterpreterRun {
  /** Bytes dd copied one at a time: that many read() calls, and as many writes and a few more. */
  ddBytes: number;
  /** dd's run times with no BPF program attached, in centiseconds. */
  baselineCentiseconds: number[];
  phases: JitPhase[];
  console: string;
}

const command = (ddBytes: number) => `
uptime_cs() { read up idle < /proc/uptime; echo \${up%.*}\${up#*.}; }
time_dd() { start=$(uptime_cs); dd if=/dev/zero of=/dev/null bs=1 count=${ddBytes} 2>/dev/null; echo $(( $(uptime_cs) - start )); }
echo "mote-interp: baseline $(time_dd) $(time_dd) $(time_dd)"
for jit in 1 0; do
  echo $jit > /proc/sys/net/core/bpf_jit_enable || echo "mote-interp: cannot set bpf_jit_enable=$jit"
  /bin/mote-agent sample --modules execsnoop,syscount --interval-ms 500 --json > /run/sample.json 2> /run/sample.err &
  agent=$!
  while ! grep -q 'sample: sampling' /run/sample.err && kill -0 $agent 2>/dev/null; do sleep 1; done
  sh -c 'echo "mote-interp: parent $$"; for i in 1 2 3 4 5 6; do /bin/busybox true; done'
  sleep 1
  kill -STOP $agent
  echo "mote-interp: jit $(cat /proc/sys/net/core/bpf_jit_enable) dd $(time_dd) $(time_dd) $(time_dd)"
  kill -CONT $agent
  sleep 1
  kill -TERM $agent; wait $agent
  cat /run/sample.err
  sed 's/^/mote-interp-json: /' /run/sample.json
done
`;

/** `ddBytes`: how many one-byte reads and writes dd makes in each phase. */
export async function interpreterRun(ddBytes: number): Promise<InterpreterRun> {
  const boot = await bootOnce({ broker: 'mqtt://10.0.2.2:1', device: 'interpreter', intervalMs: 500 }, { command: command(ddBytes) }, { limitMs: 900_000, consoleName: `interpreter-${ddBytes}.log` });
  const text = boot.console.replace(/\r/g, '');
  const baseline = /mote-interp: baseline (\d+ \d+ \d+)/.exec(text);
  if (!baseline) throw new Error(`the guest printed no baseline; console tail:\n${text.split('\n').slice(-30).join('\n')}`);
  const phases: JitPhase[] = [];
  for (const part of text.split(/(?=mote-interp: parent )/).slice(1)) {
    const parent = /mote-interp: parent (\d+)/.exec(part);
    const timing = /mote-interp: jit (\d+) dd (\d+ \d+ \d+)/.exec(part);
    if (!parent || !timing) throw new Error(`a phase of the guest run is incomplete:\n${part.slice(0, 2000)}`);
    const lines = [...part.matchAll(/^mote-interp-json: (.*)$/gm)].map((m) => JSON.parse(m[1]!) as JitPhase['lines'][number]);
    phases.push({ jitEnable: Number(timing[1]), execParent: Number(parent[1]), ddCentiseconds: timing[2]!.split(' ').map(Number), lines });
  }
  return { ddBytes, baselineCentiseconds: baseline[1]!.split(' ').map(Number), phases, console: text };
}
