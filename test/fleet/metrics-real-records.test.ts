/**
 * FleetMetrics fed with real telemetry: the host agent samples syscount and runqlat on this
 * kernel while a helper makes N getppid calls and three others spin; every status and record
 * it publishes through a real mosquitto goes in as a fleet event. The getppid calls show in
 * `mote_syscount_calls_total{syscall="getppid"}` as at least N, runqlat's histogram is
 * cumulative with `+Inf` equal to `_count`, a small series cap folds the rest into `other` and
 * counts each folded label set, and `promtool check metrics` has nothing to say. The same
 * records under more module names than the metrics name are counted as unexported instead.
 */
import { spawnSync } from 'node:child_process';
import { machine } from 'node:os';
import { basename } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FleetEvent } from '../../bundler/ingest/fleet-events.ts';
import { triggerBinary } from '../../bundler/fixtures/kernel-fixtures.ts';
import { FleetMetrics } from '../../bundler/metrics/fleet-metrics.ts';
import { MAX_MODULES } from '../../bundler/metrics/metric-names.ts';
import { syscallArchOf, syscallName } from '../../bundler/syscalls/syscall-names.ts';
import type { Envelope } from '../../agent/src/telemetry/messages.ts';
import { rootSkipReason } from '../support/agent.ts';
import { agentFleetEvents, exposedSamples, type Sample } from '../support/metrics-agent-telemetry.ts';
import { startTrigger } from '../support/module-sampling.ts';

const skipReason = rootSkipReason();
const DEVICE = 'metrics-test-host';
const GETPPID_CALLS = 777;
const SPINNERS = 3;
const TASK_COMM_LENGTH = 15;
/** A series cap no process of this shared machine reaches, so the helper's series is never folded. */
const ROOM_FOR_EVERY_SERIES = 100_000;
const arch = syscallArchOf(machine());

function envelopesOf(events: FleetEvent[], module: string): Envelope[] {
  return events.flatMap((e) => (e.kind === 'telemetry' && e.envelope.module === module ? [e.envelope] : []));
}

/** syscount's `calls` deltas whose key matches. */
function callsWhere(events: FleetEvent[], matches: (pid: number, syscall: string, comm: string) => boolean): number {
  let total = 0;
  for (const { record } of envelopesOf(events, 'syscount')) {
    if (record.kind !== 'counter') continue;
    for (const [key, delta] of record.deltas) {
      const [pid, nr, comm, field] = key as [number, number, string, string];
      if (field === 'calls' && matches(pid, syscallName(arch, nr), comm)) total += delta;
    }
  }
  return total;
}

async function exposition(events: FleetEvent[], seriesCap: number): Promise<Sample[]> {
  const metrics = new FleetMetrics({ seriesCap });
  for (const event of events) metrics.accept(event);
  return exposedSamples(await metrics.metrics());
}

function sum(samples: Sample[]): number {
  return samples.reduce((total, s) => total + s.value, 0);
}

describe.skipIf(skipReason !== null)('Prometheus metrics from real records', () => {
  let events: FleetEvent[] = [];
  let helperPid = 0;
  const helperComm = basename(triggerBinary()).slice(0, TASK_COMM_LENGTH);

  beforeAll(async () => {
    events = await agentFleetEvents(DEVICE, ['syscount', 'runqlat'], async () => {
      const caller = await startTrigger(triggerBinary(), { calls: GETPPID_CALLS, udpPort: 0, execs: 0, spinMs: 0 });
      helperPid = caller.pid;
      const spinners = await Promise.all(Array.from({ length: SPINNERS }, () => startTrigger(triggerBinary(), { calls: 0, udpPort: 0, execs: 0, spinMs: 400 })));
      await Promise.all([caller, ...spinners].map((t) => t.run()));
    }, (sofar) => callsWhere(sofar, (pid, syscall) => pid === helperPid && syscall === 'getppid') >= GETPPID_CALLS);
  });

  it('counts the helper\'s getppid calls under syscall="getppid", by name', async () => {
    const samples = await exposition(events, ROOM_FOR_EVERY_SERIES);
    const calls = samples.filter((s) => s.name === 'mote_syscount_calls_total');
    const getppid = calls.filter((s) => s.labels.syscall === 'getppid' && s.labels.comm === helperComm);
    expect(getppid).toHaveLength(1);
    expect(getppid[0]!.labels.device).toBe(DEVICE);
    expect(getppid[0]!.value).toBeGreaterThanOrEqual(GETPPID_CALLS);
    expect(sum(calls)).toBe(callsWhere(events, () => true));
    expect(calls.filter((s) => s.labels.syscall!.startsWith('syscall_'))).toEqual([]);
    expect(samples.find((s) => s.name === 'mote_device_up')).toMatchObject({ labels: { device: DEVICE }, value: 1 });
    expect(samples.find((s) => s.name === 'mote_agent_info')?.labels).toMatchObject({ device: DEVICE, arch: machine() });
  });

  it('exports runqlat as a cumulative histogram in seconds, +Inf equal to _count', async () => {
    const samples = await exposition(events, ROOM_FOR_EVERY_SERIES);
    const buckets = samples.filter((s) => s.name === 'mote_runqlat_seconds_bucket');
    const count = samples.find((s) => s.name === 'mote_runqlat_seconds_count')!.value;
    const recorded = envelopesOf(events, 'runqlat').reduce((total, { record }) => total + (record.kind === 'histogram' && 'buckets' in record ? record.buckets.reduce((a, b) => a + b, 0) : 0), 0);
    expect(recorded).toBeGreaterThanOrEqual(SPINNERS);
    expect(count).toBe(recorded);
    expect(buckets.at(-1)).toMatchObject({ labels: { le: '+Inf' }, value: count });
    const bounds = buckets.slice(0, -1).map((b) => Number(b.labels.le));
    expect(bounds).toEqual([...bounds].sort((a, b) => a - b));
    expect(bounds[1]).toBe(0.000001);
    buckets.slice(1).forEach((bucket, i) => expect(bucket.value).toBeGreaterThanOrEqual(buckets[i]!.value));
    expect(samples.find((s) => s.name === 'mote_runqlat_seconds_sum')!.value).toBeGreaterThan(0);
  });

  it('folds label sets past the series cap into one "other" series and counts them', async () => {
    const cap = 2;
    const samples = await exposition(events, cap);
    const calls = samples.filter((s) => s.name === 'mote_syscount_calls_total');
    const keySets = new Set<string>();
    callsWhere(events, (_, syscall, comm) => (keySets.add(`${syscall}/${comm}`), true));
    expect(keySets.size).toBeGreaterThan(cap);
    expect(calls.filter((s) => s.labels.syscall !== 'other')).toHaveLength(cap);
    expect(calls.filter((s) => s.labels.syscall === 'other' && s.labels.comm === 'other')).toHaveLength(1);
    expect(sum(calls)).toBe(callsWhere(events, () => true));
    expect(samples.find((s) => s.name === 'mote_series_capped_total' && s.labels.module === 'syscount')).toMatchObject({ labels: { device: DEVICE }, value: keySets.size - cap });
  });

  it('writes an exposition promtool has nothing to say about', async () => {
    const metrics = new FleetMetrics({ seriesCap: 5 });
    for (const event of events) metrics.accept(event);
    const text = await metrics.metrics();
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect({ status: check.status, output: check.stdout + check.stderr }).toEqual({ status: 0, output: '' });
    expect(metrics.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('names at most MAX_MODULES modules and counts the records of any more as unexported', async () => {
    const record = envelopesOf(events, 'syscount')[0]!;
    const extra = 5;
    const renamed: FleetEvent[] = Array.from({ length: MAX_MODULES + extra }, (_, i) => ({ kind: 'telemetry', device: DEVICE, envelope: { ...record, module: `renamed${i}` }, receivedMs: 0 }));
    const samples = await exposition(renamed, 10);
    const named = new Set(samples.filter((s) => s.name.startsWith('mote_renamed')).map((s) => s.name));
    expect(named.size).toBe(MAX_MODULES);
    expect(sum(samples.filter((s) => s.name === 'mote_records_unexported_total'))).toBe(extra);
  });
});
