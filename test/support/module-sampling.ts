/**
 * Runs `mote-agent sample` on built-in modules while a test causes known work: starts the agent,
 * waits until it samples, runs the workload, lets one more interval pass, stops the agent with
 * SIGTERM (which makes every module report the rest of its window) and returns the JSON lines.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { agentBinary } from './agent.ts';
import { exited, waitFor } from '../../bundler/fixtures/waiting.ts';

export interface SampleLine {
  module: string;
  version: string;
  variant?: string;
  skipped?: string;
  window?: { startMs: number; lengthMs: number };
  record?: { kind: string; [field: string]: unknown };
}

export interface SampleRun {
  lines: SampleLine[];
  stderr: string;
  status: number | null;
}

/**
 * The two ways the event modules (execsnoop, tcpconnect, solisten) send records: the ring
 * buffer, and the perf buffer of kernels before 5.8, which MOTE_FEATURES_OFF forces here. The
 * same workload must give the same records on both; `variant` matches the hook variant taken.
 */
export const EVENT_PATHS: { path: string; env: Record<string, string>; variant: RegExp }[] = [
  { path: 'ring buffer', env: {}, variant: /^[a-z]+$/ },
  { path: 'perf buffer', env: { MOTE_FEATURES_OFF: 'ring buffer' }, variant: /^[a-z]+-perfbuf$/ },
];

/** The hook variant `module` ran with. */
export function variantOf(run: SampleRun, module: string): string | undefined {
  return run.lines.find((l) => l.module === module && l.variant)?.variant;
}

/** `workload` gets the agent's process (a test may stop it to make its ring buffers overflow); `env` adds to the agent's environment. */
export async function sampleWhile(modules: string[], extraArgs: string[], workload: (agent: ChildProcess) => Promise<void>, intervalMs = 500, env: Record<string, string> = {}): Promise<SampleRun> {
  const agent = spawn(agentBinary.host, ['sample', '--modules', modules.join(','), '--interval-ms', String(intervalMs), '--json', ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  agent.stdout.on('data', (chunk) => (stdout += chunk));
  agent.stderr.on('data', (chunk) => (stderr += chunk));
  try {
    await waitFor(() => /sample: sampling/.test(stderr) || agent.exitCode !== null, 'the agent to attach its modules', 60_000);
    if (agent.exitCode === null) {
      await workload(agent);
      await new Promise((resolve) => setTimeout(resolve, intervalMs + 200));
      agent.kill('SIGTERM');
    }
    const status = await exited(agent);
    const lines = stdout.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as SampleLine);
    return { lines, stderr, status };
  } finally {
    agent.kill('SIGKILL');
  }
}

/** The records of `module`, failing with the agent's stderr when it was skipped or silent. */
export function recordsOf(run: SampleRun, module: string): NonNullable<SampleLine['record']>[] {
  const skipped = run.lines.find((l) => l.module === module && l.skipped);
  if (skipped) throw new Error(`module '${module}' was skipped: ${skipped.skipped}`);
  const records = run.lines.filter((l) => l.module === module && l.record).map((l) => l.record!);
  if (records.length === 0) throw new Error(`module '${module}' gave no record; agent stderr:\n${run.stderr}`);
  return records;
}

/** Sum of a counter key's deltas over every record. */
export function counterTotal(records: NonNullable<SampleLine['record']>[], matches: (key: unknown) => boolean): number {
  let total = 0;
  for (const record of records) for (const [key, delta] of record.deltas as Array<[unknown, number]>) if (matches(key)) total += delta;
  return total;
}

/** Every event row of an events record series, as objects keyed by field name. */
export function eventRows(records: NonNullable<SampleLine['record']>[]): Record<string, unknown>[] {
  return records.flatMap((record) => {
    const fields = record.fields as string[];
    return (record.rows as Array<{ values: unknown[] }>).map((row) => Object.fromEntries(fields.map((f, i) => [f, row.values[i]])));
  });
}

export interface Trigger {
  pid: number;
  /** Lets the trigger do its work; resolves when it has exited. */
  run(): Promise<void>;
}

/** Starts bundler/fixtures/kernel/trigger.c (`calls udp-port execs spin-ms`); it waits for run(). */
export async function startTrigger(binary: string, workload: { calls: number; udpPort: number; execs: number; spinMs: number }): Promise<Trigger> {
  const child = spawn(binary, [workload.calls, workload.udpPort, workload.execs, workload.spinMs].map(String), { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  await waitFor(() => /^\d+\n/.test(out), 'the trigger to print its pid', 10_000);
  return {
    pid: Number(out.split('\n')[0]),
    run: async () => {
      child.stdin.end('go\n');
      await exited(child);
    },
  };
}
