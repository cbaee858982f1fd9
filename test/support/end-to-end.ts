/**
 * The board end to end, shared by the bookworm test in `npm test` and the kernel matrix
 * (`npm run test:kernels`): the agent's config for every built-in module, the telemetry and
 * statuses a real mosquitto receives from the guest, what the agent logged about each module,
 * and each module's check against the guest's workload (see bundler/board/init-script.ts).
 */
import mqtt from 'mqtt';
import { expect } from 'vitest';
import { decodeEnvelope, decodeStatus } from '../../agent/src/telemetry/codec.ts';
import type { Envelope, Status } from '../../agent/src/telemetry/messages.ts';
import { parseTopic } from '../../agent/src/telemetry/topics.ts';
import type { AgentConfig } from '../../bundler/board/image.ts';
import { type EventsRecord } from '../../agent/src/sample/decode/records.ts';

export const MODULES = ['bitehist', 'execsnoop', 'runqlat', 'sockex1', 'solisten', 'syscount', 'tcpconnect'];

/** Every built-in module, once a second; sockex1 watches lo, where the workload pings. */
export function endToEndConfig(guestBrokerUrl: string, device: string): AgentConfig {
  return { broker: guestBrokerUrl, device, intervalMs: 1000, modules: Object.fromEntries(MODULES.map((m) => [m, m === 'sockex1' ? { interface: 'lo' } : {}])) };
}

/** Everything one device publishes, decoded, from the moment `start` resolves. */
export class TelemetryCapture {
  readonly envelopes: Envelope[] = [];
  readonly statuses: Status[] = [];

  private constructor(private readonly client: mqtt.MqttClient) {}

  static async start(brokerUrl: string, device: string): Promise<TelemetryCapture> {
    const client = mqtt.connect(brokerUrl);
    const capture = new TelemetryCapture(client);
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => client.subscribe(`mote/v1/${device}/#`, { qos: 1 }, (error) => (error ? reject(error) : resolve())));
      client.once('error', reject);
    });
    client.on('message', (topic, payload) => {
      const parsed = parseTopic(topic);
      if (parsed?.kind === 'telemetry') capture.envelopes.push(decodeEnvelope(payload));
      if (parsed?.kind === 'status') capture.statuses.push(decodeStatus(payload));
    });
    return capture;
  }

  stop(): Promise<void> {
    return new Promise<void>((resolve) => this.client.end(true, () => resolve()));
  }
}

export interface LoadedModule {
  /** The hook variant: `kprobe`, `tracepoint`, ..., `-perfbuf` when events go through the perf buffer. */
  variant: string;
  programs: number;
  /** Where its kernel BTF came from: `embedded:<release>`, a path, or /sys/kernel/btf/vmlinux. */
  btf: string;
  /** The CO-RE flavours (`name___suffix` layouts) this kernel's BTF matched; none on the newest layouts. */
  flavours: string[];
}

/** The modules the agent logged as loaded on the guest's console, by name. */
export function loadedModules(console: string): Map<string, LoadedModule> {
  const loaded = new Map<string, LoadedModule>();
  for (const match of console.matchAll(/module '(\w+)' \S+: variant ([\w-]+), (\d+) programs attached, BTF ([^\s,]+)(?:, CO-RE flavours ([\w ]+))?/g)) {
    loaded.set(match[1]!, { variant: match[2]!, programs: Number(match[3]), btf: match[4]!, flavours: match[5]?.trim().split(' ') ?? [] });
  }
  return loaded;
}

/** bpf_jit_enable as the guest's /init logged it before starting the agent (undefined: not logged). */
export function bpfJitEnabled(console: string): boolean | undefined {
  const value = /mote-init: bpf_jit_enable=(\d)/.exec(console)?.[1];
  return value === undefined ? undefined : value !== '0';
}

/** The agent's peak and current RSS in KiB as the guest's /init logged them before stopping it (undefined: not logged). */
export function agentMemoryKiB(console: string): { peak: number; current: number } | undefined {
  const match = /mote-init: mote-agent memory VmHWM: (\d+) kB VmRSS: (\d+) kB/.exec(console);
  return match ? { peak: Number(match[1]), current: Number(match[2]) } : undefined;
}

/** The first online status that lists modules: which run and why the others do not. */
export function moduleStatuses(statuses: Status[]): Status['modules'] {
  return statuses.find((s) => s.state === 'online' && (s.modules?.length ?? 0) > 0)?.modules;
}

function rowsOf(envelopes: Envelope[], module: string): Record<string, unknown>[] {
  return envelopes
    .filter((e) => e.module === module && e.record.kind === 'events')
    .flatMap((e) => {
      const record = e.record as EventsRecord;
      return record.rows.map((row) => Object.fromEntries(record.fields.map((field, i) => [field, row.values[i]])));
    });
}

/** A module published more than five records, numbered in sequence without gaps. */
export function checkPublishedInSequence(envelopes: Envelope[], module: string): void {
  const sequences = envelopes.filter((e) => e.module === module).map((e) => e.sequence);
  expect(sequences.length, module).toBeGreaterThan(5);
  expect(sequences, module).toEqual(sequences.map((_, i) => sequences[0]! + i));
}

/** What each module must have seen of the workload, as assertions over the decoded telemetry. */
export const WORKLOAD_CHECKS: Record<string, { describes: string; check: (envelopes: Envelope[]) => void }> = {
  execsnoop: {
    describes: 'the five execs of /bin/busybox',
    check: (envelopes) => {
      const execs = rowsOf(envelopes, 'execsnoop').filter((r) => r.kind === 'process_exec' && r.filename === '/bin/busybox');
      expect(execs.length).toBe(5);
    },
  },
  solisten: {
    describes: 'the listen on port 7777',
    check: (envelopes) => {
      const listens = rowsOf(envelopes, 'solisten').filter((r) => r.port === 7777);
      expect(listens.length).toBe(1);
      expect(listens[0]).toMatchObject({ comm: 'nc', backlog: expect.any(Number) });
    },
  },
  tcpconnect: {
    describes: 'the connect to port 7777',
    check: (envelopes) => {
      const connects = rowsOf(envelopes, 'tcpconnect').filter((r) => r.dport === 7777);
      expect(connects.length).toBe(1);
      expect(connects[0]).toMatchObject({ comm: 'nc', daddr: '127.0.0.1' });
    },
  },
  bitehist: {
    describes: 'sixteen 4 KiB writes to the loop device',
    check: (envelopes) => {
      let fourKiB = 0;
      for (const e of envelopes.filter((x) => x.module === 'bitehist')) {
        if (e.record.kind !== 'histogram' || !('series' in e.record)) continue;
        for (const [key, buckets] of e.record.series) if (JSON.stringify(key).includes('size')) fourKiB += buckets[13] ?? 0;
      }
      expect(fourKiB).toBeGreaterThanOrEqual(16);
    },
  },
  sockex1: {
    describes: 'the pings on lo, as ICMP packets',
    check: (envelopes) => {
      let icmp = 0;
      for (const e of envelopes.filter((x) => x.module === 'sockex1')) {
        if (e.record.kind !== 'counter') continue;
        for (const [key, delta] of e.record.deltas) if (JSON.stringify(key).includes('icmp') && JSON.stringify(key).includes('packets')) icmp += delta;
      }
      expect(icmp).toBeGreaterThanOrEqual(10);
    },
  },
  runqlat: {
    describes: 'a run queue latency histogram',
    check: (envelopes) => {
      const runqlat = envelopes.filter((e) => e.module === 'runqlat' && e.record.kind === 'histogram');
      expect(runqlat.some((e) => e.record.kind === 'histogram' && 'buckets' in e.record && e.record.buckets.some((c) => c > 0))).toBe(true);
    },
  },
  syscount: {
    describes: 'syscall counts',
    check: (envelopes) => {
      const syscount = envelopes.filter((e) => e.module === 'syscount' && e.record.kind === 'counter' && e.record.deltas.length > 0);
      expect(syscount.length).toBeGreaterThan(0);
    },
  },
};
