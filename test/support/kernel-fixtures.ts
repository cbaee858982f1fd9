/**
 * The kernel tests' material: BPF objects from test/fixtures/kernel compiled for this host
 * (against its vmlinux.h, cached), the trigger workload built with gcc (cached by source
 * hash), and a runner that starts `mote-agent load` on an object, waits until its programs
 * are attached, lets the trigger cause known events, and returns the agent's JSON result.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureHostBtf } from '../../bundler/btf/index.ts';
import { compileBpf } from './bpf-build.ts';
import { hashFile, REPO_ROOT, testCacheDir } from './bpf-cache.ts';
import { agentBinary } from './agent.ts';

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'kernel');

/** The trigger binary, rebuilt when trigger.c changes. */
export function triggerBinary(): string {
  const source = join(FIXTURES, 'trigger.c');
  const dir = testCacheDir('trigger');
  mkdirSync(dir, { recursive: true });
  const binary = join(dir, `trigger-${hashFile(source).slice(0, 16)}`);
  if (!existsSync(binary)) execFileSync('gcc', ['-O1', '-g', '-o', binary, source]);
  return binary;
}

export async function kernelFixture(name: string, defines: Record<string, string> = {}): Promise<string> {
  const host = await ensureHostBtf();
  const extraFlags = Object.entries(defines).map(([key, value]) => `-D${key}=${value}`);
  const object = await compileBpf({ source: join(FIXTURES, `${name}.bpf.c`), arch: 'x86', includeDirs: [join(host.headerPath, '..')], extraFlags });
  return object.path;
}

export interface Workload {
  calls: number;
  udpPort: number;
  execs: number;
  spinMs: number;
  /** getppid() calls after the spin. */
  tailCalls?: number;
  /** Pin the trigger to this CPU (taskset), so all its events share one per-CPU buffer. */
  cpu?: number;
}

export interface LoadRun {
  status: number | null;
  stderr: string;
  result: LoadResult | null;
  triggerPid: number;
}

export interface LoadResult {
  programs: { name: string; section: string; attached: string | null; error: string | null }[];
  maps: { name: string; type: string; method: string; entries: { key: unknown; value?: unknown; values?: unknown[] }[] }[];
  buffers: { name: string; records: number; lost: number; data?: string[] }[];
}

function collect(child: ChildProcess): { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk) => (out += chunk));
  child.stderr?.on('data', (chunk) => (err += chunk));
  return { out: () => out, err: () => err };
}

export function waitFor(predicate: () => boolean, what: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = () => {
      if (predicate()) return resolve();
      if (Date.now() - started > timeoutMs) return reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      setTimeout(poll, 20);
    };
    poll();
  });
}

export function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));
}

/**
 * Runs `mote-agent load <object> --set target_tgid=<trigger pid> ...extraArgs` and the trigger
 * workload once the agent reports its programs attached. `stopWith` ends the agent by signal
 * instead of waiting for --seconds.
 */
export async function runLoadWithWorkload(
  object: string,
  workload: Workload,
  extraArgs: string[] = [],
  stopWith?: NodeJS.Signals,
  /** Runs after the workload, while the agent still holds its maps (the bench reads them with bpftool). */
  whileRunning?: () => void,
): Promise<LoadRun> {
  const args = [workload.calls, workload.udpPort, workload.execs, workload.spinMs, ...(workload.tailCalls ? [workload.tailCalls] : [])];
  const command = workload.cpu === undefined ? [triggerBinary()] : ['taskset', '-c', String(workload.cpu), triggerBinary()];
  const trigger = spawn(command[0], [...command.slice(1), ...args.map(String)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const triggerOutput = collect(trigger);
  await waitFor(() => /^\d+\n/.test(triggerOutput.out()), 'the trigger to print its pid', 10_000);
  const triggerPid = Number(triggerOutput.out().split('\n')[0]);
  const agent = spawn(agentBinary.host, ['load', object, '--json', '--set', `target_tgid=${triggerPid}`, ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  const agentOutput = collect(agent);
  try {
    await waitFor(() => /programs attached/.test(agentOutput.err()) || agent.exitCode !== null, 'the agent to attach', 60_000);
    trigger.stdin?.end('go\n');
    await exited(trigger);
    whileRunning?.();
    if (stopWith) agent.kill(stopWith);
    const status = await exited(agent);
    const stdout = agentOutput.out().trim();
    return { status, stderr: agentOutput.err(), result: stdout ? (JSON.parse(stdout) as LoadResult) : null, triggerPid };
  } finally {
    trigger.kill('SIGKILL');
    agent.kill('SIGKILL');
  }
}

/** Names of BPF programs and ids of links the kernel holds now (bpftool). */
export function kernelBpfObjects(): { programs: { id: number; name?: string }[]; links: { id: number; prog_id: number }[] } {
  const json = (args: string[]) => JSON.parse(execFileSync('bpftool', ['-j', ...args], { encoding: 'utf8' }) || '[]');
  return { programs: json(['prog', 'show']), links: json(['link', 'show']) };
}

/**
 * Whether this kernel lets root load an fentry program, asked of bpftool (libbpf) on a
 * one-line fixture, independently of Mote. Some kernels with BTF still refuse trampolines.
 */
export async function bpftoolLoadsFentry(): Promise<{ supported: boolean; reason: string }> {
  const object = await kernelFixture('fentry_probe');
  const pin = `/sys/fs/bpf/mote_fentry_probe_${process.pid}`;
  try {
    execFileSync('mount', ['-t', 'bpf', 'bpf', '/sys/fs/bpf'], { stdio: 'ignore' });
  } catch {
    // already mounted
  }
  try {
    execFileSync('bpftool', ['prog', 'load', object, pin], { encoding: 'utf8', stdio: 'pipe' });
    return { supported: true, reason: '' };
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? '');
    return { supported: false, reason: stderr.split('\n').find((l) => /failed|error/i.test(l)) ?? 'bpftool prog load failed' };
  } finally {
    execFileSync('rm', ['-f', pin]);
  }
}
