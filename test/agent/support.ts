/**
 * The real mote-agent `run` as a child process for end-to-end tests: the host binary (root, real
 * BPF) or the armhf one under qemu-arm. Keeps its stderr, sends it signals, waits for its exit.
 * Also reads the sequence numbers a subscriber received, to find gaps.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach } from 'vitest';
import { agentBinary } from '../support/agent.ts';
import type { Mosquitto } from '../support/mosquitto.ts';
import type { Status } from '../../agent/src/telemetry/messages.ts';
import { Subscriber, waitUntil } from '../telemetry/harness.ts';

/** A module that yields a record every interval on any busy Linux (system calls never stop). */
export const STEADY_MODULE = 'syscount';

/** Another built-in module that loads on the host kernel (tracepoints), for reloads. */
export const SECOND_MODULE = 'execsnoop';

export class AgentProcess {
  stderr = '';
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(readonly child: ChildProcess) {
    child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /** `mote-agent run <args>` from build/host (or build/armhf under qemu-arm). */
  static run(args: string[], arch: 'host' | 'armhf' = 'host'): AgentProcess {
    const [file, argv] = arch === 'host' ? [agentBinary.host, ['run', ...args]] : ['qemu-arm', [agentBinary.armhf, 'run', ...args]];
    return new AgentProcess(spawn(file, argv, { stdio: ['ignore', 'ignore', 'pipe'] }));
  }

  /** `mote-agent run <args>` from build/host, started through `wrapper` (e.g. setpriv as another uid). */
  static runThrough(wrapper: string[], args: string[]): AgentProcess {
    return new AgentProcess(spawn(wrapper[0]!, [...wrapper.slice(1), agentBinary.host, 'run', ...args], { stdio: ['ignore', 'ignore', 'pipe'] }));
  }

  /** Waits for `condition`; on timeout the error carries the tail of the agent's log. */
  async waitFor(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
    try {
      await waitUntil(what, condition, timeoutMs);
    } catch (error) {
      throw new Error(`${(error as Error).message}; the agent's log ends:\n${this.stderr.slice(-4000)}`);
    }
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Waits for the exit, at most `timeoutMs`; then kills it and fails with its log. */
  async exit(timeoutMs = 15_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        reject(new Error(`mote-agent did not exit within ${timeoutMs} ms; its log:\n${this.stderr}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kills it if it still runs (test cleanup). */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }
}

export interface AgentRuns {
  /** `mote-agent run --broker <the broker> <args>`. */
  start(args: string[], arch?: 'host' | 'armhf'): AgentProcess;
  /** The same on the host, started through `wrapper` (setpriv, env, ...). */
  startThrough(wrapper: string[], args: string[]): AgentProcess;
  /** A subscriber to everything `device` publishes. */
  subscribe(device: string): Promise<Subscriber>;
}

/** Agents and subscribers against `broker` for a test file; killed and closed after each test. */
export function useAgentRuns(broker: () => Mosquitto): AgentRuns {
  const agents: AgentProcess[] = [];
  const subscribers: Subscriber[] = [];
  afterEach(async () => {
    await Promise.all(agents.splice(0).map((a) => a.kill()));
    await Promise.all(subscribers.splice(0).map((s) => s.close()));
  });
  return {
    start(args, arch = 'host') {
      const agent = AgentProcess.run(['--broker', broker().url, ...args], arch);
      agents.push(agent);
      return agent;
    },
    startThrough(wrapper, args) {
      const agent = AgentProcess.runThrough(wrapper, ['--broker', broker().url, ...args]);
      agents.push(agent);
      return agent;
    },
    async subscribe(device) {
      const subscriber = await Subscriber.connect(broker().url, `mote/v1/${device}/#`);
      subscribers.push(subscriber);
      return subscriber;
    },
  };
}

/** Unique sequence numbers received per module from `device` (QoS 1 resends counted once). */
export function sequencesOf(subscriber: Subscriber, device: string): Map<string, number[]> {
  const byModule = new Map<string, Set<number>>();
  for (const envelope of subscriber.telemetry().filter((e) => e.deviceId === device)) {
    if (!byModule.has(envelope.module)) byModule.set(envelope.module, new Set());
    byModule.get(envelope.module)!.add(envelope.sequence);
  }
  return new Map([...byModule].map(([module, seqs]) => [module, [...seqs].sort((a, b) => a - b)]));
}

/** Sequence numbers missing below the highest one received, summed over modules. */
export function gapCount(sequences: Map<string, number[]>): number {
  let gaps = 0;
  for (const seqs of sequences.values()) gaps += seqs.length === 0 ? 0 : seqs[seqs.length - 1]! + 1 - seqs.length;
  return gaps;
}

/** The last status `device` published with counters (a clean stop's offline, or an online one). */
export function lastCountedStatus(subscriber: Subscriber, device: string): Status | undefined {
  return subscriber.statuses(device).filter((s) => s.counters).at(-1);
}
