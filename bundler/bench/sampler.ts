/**
 * Sampler benchmark, against bpftool measured in the same run. Needs root.
 *  - cost per map entry, median of 3 rounds: `mote-agent sample --timing` reads a built-in module's map filled with
 *    known entries (syscount's hash, read with reset: lookup-and-delete per key; bitehist's
 *    histograms, read with delta: batch lookup), decodes them through BTF and builds the record;
 *    `bpftool map dump -j` dumps the same map (the whole process, decoded through BTF too);
 *  - the agent's CPU time per sampling cycle with every built-in module running (utime + stime
 *    from /proc/<pid>/stat around N cycles; ring buffer events of this machine included).
 * Prints the numbers and ratios; nothing here is a pass/fail test.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentBinary } from '../paths.ts';
import { median, timeMs } from './bench-timing.ts';
import { waitFor } from '../fixtures/waiting.ts';

const ROUNDS = 3;
const CLOCK_TICKS_PER_SECOND = 100;

interface Agent {
  child: ChildProcess;
  lines: () => Array<Record<string, unknown>>;
  stderr: () => string;
}

async function startAgent(args: string[]): Promise<Agent> {
  const child = spawn(agentBinary.host, ['sample', '--json', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk) => (out += chunk));
  child.stderr!.on('data', (chunk) => (err += chunk));
  await waitFor(() => /sample: sampling/.test(err) || child.exitCode !== null, 'the agent to load its modules', 60_000);
  if (child.exitCode !== null) throw new Error(`mote-agent sample exited: ${err}`);
  // Only whole lines: a long record may still be arriving.
  const lines = () => out.split('\n').slice(0, -1).filter((l) => l.trim()).map((l) => JSON.parse(l) as Record<string, unknown>);
  return { child, lines, stderr: () => err };
}

/** The id of the map named `name` among the fds of process `pid` (from /proc/<pid>/fdinfo). */
function mapIdOf(pid: number, name: string): number {
  for (const fd of readdirSync(`/proc/${pid}/fdinfo`)) {
    const id = /^map_id:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'))?.[1];
    if (!id) continue;
    const shown = JSON.parse(execFileSync('bpftool', ['-j', 'map', 'show', 'id', id], { encoding: 'utf8' })) as { name?: string };
    if (shown.name === name) return Number(id);
  }
  throw new Error(`process ${pid} holds no map named '${name}'`);
}

function hex(bytes: number[]): string {
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ');
}

function le32(value: number): number[] {
  return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, value >>> 24];
}

interface MapCase {
  module: string;
  map: string;
  entries: number;
  settings: string[];
  /** Key and value bytes of entry `i` written in round `round` (0, 1, ...): a later round's values are larger, so delta reads see every entry again. */
  entry: (i: number, round: number) => [number[], number[]];
  /** How many entries the record shows. */
  counted: (record: Record<string, unknown>) => number;
}

const CASES: MapCase[] = [
  {
    module: 'syscount', map: 'counts', entries: 10_000, settings: ['--set', 'syscount.target_tgid=1'],
    // struct syscall_key { u32 pid; u32 syscall; char comm[16]; } -> struct syscall_stats { u64 calls; u64 latency_ns; }
    entry: (i, round) => [[...le32(2_000_000 + i), ...le32(i % 400), ...Array.from('bench\0\0\0\0\0\0\0\0\0\0\0', (c) => c.charCodeAt(0))], [...le32(i + 1 + round), 0, 0, 0, 0, ...new Array(8).fill(0)]],
    counted: (record) => (record.deltas as unknown[]).length,
  },
  {
    module: 'bitehist', map: 'hists', entries: 256, settings: ['--set', 'bitehist.target_dev=1'],
    // struct hist_key { u32 dev; enum metric; } -> struct mote_hist { u32 slots[64]; }
    entry: (i, round) => [[...le32(0x7_00000 + i), ...le32(1 + (i % 2))], Array.from({ length: 256 }, (_, b) => (b % 4 === 0 && b < 80 ? (1 + ((i + b) % 7)) * (round + 1) : 0))],
    counted: (record) => (record.series as unknown[]).length,
  },
];

async function costPerEntry(): Promise<void> {
  console.log('sampler cost per map entry (read, BTF decode, record) against bpftool map dump -j on the same map');
  console.log(`${'module.map'.padEnd(16)} ${'entries'.padStart(8)} ${'read'.padStart(7)} ${'mote us/entry'.padStart(14)} ${'bpftool us/entry'.padStart(17)} ${'ratio'.padStart(6)}`);
  const dir = mkdtempSync(join(tmpdir(), 'mote-bench-sampler-'));
  try {
    for (const c of CASES) {
      const intervalMs = 8000;
      const agent = await startAgent(['--modules', c.module, '--interval-ms', String(intervalMs), '--timing', ...c.settings]);
      try {
        const id = mapIdOf(agent.child.pid!, c.map);
        // Each round fills the map right after a record, then waits for the next record, which
        // holds every entry (a reset read emptied the map; a delta read sees larger values).
        const bpftoolRuns: number[] = [];
        const moteRuns: number[] = [];
        for (let round = 0; round < ROUNDS; round++) {
          const batch = join(dir, `${c.module}.batch`);
          writeFileSync(batch, Array.from({ length: c.entries }, (_, i) => c.entry(i, round)).map(([key, value]) => `map update id ${id} key hex ${hex(key)} value hex ${hex(value)}\n`).join(''));
          const seen = agent.lines().filter((l) => l.module === c.module).length;
          execFileSync('bpftool', ['batch', 'file', batch], { stdio: 'ignore' });
          bpftoolRuns.push(timeMs(() => execFileSync('bpftool', ['-j', 'map', 'dump', 'id', String(id)], { stdio: 'ignore', maxBuffer: 1 << 30 })));
          await waitFor(() => agent.lines().filter((l) => l.module === c.module).length > seen, `${c.module} record ${seen + 1}`, intervalMs * 3);
          const line = agent.lines().filter((l) => l.module === c.module)[seen]!;
          const counted = c.counted(line.record as Record<string, unknown>);
          if (counted < c.entries) throw new Error(`${c.module}: record ${seen + 1} shows ${counted} entries, ${c.entries} were written (it came while bpftool filled the map: run it again)`);
          moteRuns.push((line.sampleMs as number) / counted);
        }
        const counted = c.entries;
        const moteUs = median(moteRuns) * 1000;
        const bpftoolUs = (median(bpftoolRuns) * 1000) / c.entries;
        const read = c.module === 'syscount' ? 'reset' : 'delta';
        console.log(`${`${c.module}.${c.map}`.padEnd(16)} ${String(counted).padStart(8)} ${read.padStart(7)} ${moteUs.toFixed(2).padStart(14)} ${bpftoolUs.toFixed(2).padStart(17)} ${(moteUs / bpftoolUs).toFixed(2).padStart(6)}`);
      } finally {
        agent.child.kill('SIGKILL');
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
  // After the command name: state is field 3, utime 14 and stime 15 (1-based, man 5 proc).
  return Number(fields[11]) + Number(fields[12]);
}

async function cpuPerCycle(): Promise<void> {
  const intervalMs = 100;
  const seconds = 6;
  const agent = await startAgent(['--interval-ms', String(intervalMs), '--interface', 'lo']);
  try {
    const pid = agent.child.pid!;
    const modules = agent.stderr().match(/(\d+) of (\d+) modules running/)?.[1] ?? '?';
    const startTicks = cpuTicks(pid);
    const startLines = agent.lines().length;
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    const ticks = cpuTicks(pid) - startTicks;
    const records = agent.lines().length - startLines;
    const cycles = records / Number(modules);
    const cpuMs = (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
    console.log(`\nagent CPU per sampling cycle, ${modules} modules at ${intervalMs} ms for ${seconds} s: ${cycles.toFixed(0)} cycles, ${cpuMs.toFixed(0)} ms CPU (user + system), ${(cpuMs / cycles).toFixed(2)} ms per cycle (${((cpuMs / (seconds * 1000)) * 100).toFixed(1)} % of one CPU; ring buffer events of this machine included)`);
  } finally {
    agent.child.kill('SIGKILL');
  }
}

if (process.getuid?.() !== 0) {
  console.log('sampler bench skipped: it loads BPF programs, run it as root');
} else {
  await costPerEntry();
  await cpuPerCycle();
}
