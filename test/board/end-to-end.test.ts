/**
 * The board end to end: Debian 12's armhf kernel boots in qemu-system-arm with the image that
 * `mote build --board qemu-armv7` makes; the armhf agent loads every built-in module through
 * the minimized BTF built into it; a workload inside the guest causes known events; a real
 * mosquitto on the host receives the telemetry, which the test decodes and checks module by
 * module against the workload.
 */
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeEnvelope, decodeStatus } from '../../agent/src/telemetry/codec.ts';
import type { Envelope, EventsRecord, Status } from '../../agent/src/telemetry/records.ts';
import { parseTopic } from '../../agent/src/telemetry/topics.ts';
import { guestBrokerUrl } from '../../bundler/board/guest-broker.ts';
import { Mosquitto } from '../support/mosquitto.ts';
import { bootOnce, type BootResult } from '../support/board.ts';

const MODULES = ['bitehist', 'execsnoop', 'runqlat', 'sockex1', 'solisten', 'syscount', 'tcpconnect'];
const DEVICE = `e2e-${process.pid}`;

function rowsOf(envelopes: Envelope[], module: string): Record<string, unknown>[] {
  return envelopes
    .filter((e) => e.module === module && e.record.kind === 'events')
    .flatMap((e) => {
      const record = e.record as EventsRecord;
      return record.rows.map((row) => Object.fromEntries(record.fields.map((field, i) => [field, row.values[i]])));
    });
}

describe('qemu-armv7 board end to end', () => {
  let broker: Mosquitto;
  let client: mqtt.MqttClient;
  const envelopes: Envelope[] = [];
  const statuses: Status[] = [];
  let boot: BootResult;

  beforeAll(async () => {
    broker = await Mosquitto.start();
    client = mqtt.connect(broker.url);
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => client.subscribe(`mote/v1/${DEVICE}/#`, { qos: 1 }, (error) => (error ? reject(error) : resolve())));
      client.once('error', reject);
    });
    client.on('message', (topic, payload) => {
      const parsed = parseTopic(topic);
      if (parsed?.kind === 'telemetry') envelopes.push(decodeEnvelope(payload));
      if (parsed?.kind === 'status') statuses.push(decodeStatus(payload));
    });
    const config = { broker: guestBrokerUrl(broker.url), device: DEVICE, intervalMs: 1000, modules: Object.fromEntries(MODULES.map((m) => [m, m === 'sockex1' ? { interface: 'lo' } : {}])) };
    boot = await bootOnce(config, {}, { seconds: 45, workload: true, limitMs: 240_000, consoleName: 'end-to-end.log' });
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => client?.end(true, () => resolve()));
    await broker?.stop();
  });

  it('boots, runs the workload, and powers off after the agent stops', () => {
    expect(boot.console).toMatch(/mote-workload: done/);
    expect(boot.console).toMatch(/mote-init: mote-agent exited with status 0/);
  });

  it('loads every built-in module through the embedded minimized BTF', () => {
    for (const module of MODULES) expect(boot.console).toMatch(new RegExp(`module '${module}' \\d+: variant \\w+, \\d+ programs attached, BTF embedded:${boot.release.replace(/\./g, '\\.')}`));
    const online = statuses.find((s) => s.state === 'online' && (s.modules?.length ?? 0) > 0)!;
    expect(online.machine).toMatch(/^armv7/);
    expect(online.modules!.map((m) => [m.name, m.error ?? null]).sort()).toEqual(MODULES.map((m) => [m, null]));
    expect(statuses[statuses.length - 1].state).toBe('offline');
  });

  it('publishes every module, in sequence, without gaps', () => {
    for (const module of MODULES) {
      const sequences = envelopes.filter((e) => e.module === module).map((e) => e.sequence);
      expect(sequences.length, module).toBeGreaterThan(5);
      expect(sequences, module).toEqual(sequences.map((_, i) => sequences[0] + i));
    }
  });

  it('execsnoop: the five execs of /bin/busybox', () => {
    const execs = rowsOf(envelopes, 'execsnoop').filter((r) => r.kind === 'process_exec' && r.filename === '/bin/busybox');
    expect(execs.length).toBe(5);
  });

  it('solisten and tcpconnect: the listen and the connect on port 7777', () => {
    const listens = rowsOf(envelopes, 'solisten').filter((r) => r.port === 7777);
    expect(listens.length).toBe(1);
    expect(listens[0]).toMatchObject({ comm: 'nc', backlog: expect.any(Number) });
    const connects = rowsOf(envelopes, 'tcpconnect').filter((r) => r.dport === 7777);
    expect(connects.length).toBe(1);
    expect(connects[0]).toMatchObject({ comm: 'nc', daddr: '127.0.0.1' });
  });

  it('bitehist: sixteen 4 KiB writes to the loop device', () => {
    let fourKiB = 0;
    for (const e of envelopes.filter((x) => x.module === 'bitehist')) {
      if (e.record.kind !== 'histogram' || !('series' in e.record)) continue;
      for (const [key, buckets] of e.record.series) if (JSON.stringify(key).includes('size')) fourKiB += buckets[13] ?? 0;
    }
    expect(fourKiB).toBeGreaterThanOrEqual(16);
  });

  it('sockex1: the pings on lo, as ICMP packets', () => {
    let icmp = 0;
    for (const e of envelopes.filter((x) => x.module === 'sockex1')) {
      if (e.record.kind !== 'counter') continue;
      for (const [key, delta] of e.record.deltas) if (JSON.stringify(key).includes('icmp') && JSON.stringify(key).includes('packets')) icmp += delta;
    }
    expect(icmp).toBeGreaterThanOrEqual(10);
  });

  it('runqlat and syscount: a latency histogram and syscall counts', () => {
    const runqlat = envelopes.filter((e) => e.module === 'runqlat' && e.record.kind === 'histogram');
    expect(runqlat.some((e) => e.record.kind === 'histogram' && 'buckets' in e.record && e.record.buckets.some((c) => c > 0))).toBe(true);
    const syscount = envelopes.filter((e) => e.module === 'syscount' && e.record.kind === 'counter' && e.record.deltas.length > 0);
    expect(syscount.length).toBeGreaterThan(0);
  });
});
