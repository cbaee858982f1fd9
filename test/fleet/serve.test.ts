/**
 * `mote serve`'s core against real parts: a real mosquitto, the real host mote-agent (root, real
 * BPF) and the fleet service in this process. The agent appears in /api/fleet with every module
 * it runs; crafted duplicate and out-of-order publishes are dropped or kept and the gap counted
 * lost; bad input of every kind is counted, the process survives and its device state stays
 * bounded; a SIGKILLed agent turns offline within keepalive plus grace (its Last Will); OTA upload
 * is refused without a token (403) and with a wrong one (401), and with the right one the
 * device's answer appears; /metrics serves FleetMetrics; SSE pushes a record within a second.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePlain } from '../../agent/src/telemetry/cbor.ts';
import { encodeEnvelope, encodeStatus } from '../../agent/src/telemetry/codec.ts';
import type { Envelope } from '../../agent/src/telemetry/messages.ts';
import type { TelemetryRecord } from '../../agent/src/sample/decode/records.ts';
import { formatPublicKey } from '../../agent/src/ota/keys.ts';
import { publicKeyOf } from '../../agent/src/ota/ed25519.ts';
import { startFleetService, type FleetService } from '../../bundler/web/fleet-service.ts';
import { useAgentRuns } from '../agent/support.ts';
import { rootSkipReason } from '../support/agent.ts';
import { useMosquitto } from '../support/mosquitto.ts';
import { waitUntil } from '../telemetry/harness.ts';
import { makeKey, signed } from '../ota/packages.ts';

const TOKEN = 'serve-test-token-0123456789';
const KEEPALIVE_S = 2;
const MAX_DEVICES = 50;
const broker = useMosquitto();
const runs = useAgentRuns(broker);
const skip = rootSkipReason();
const work = mkdtempSync(join(tmpdir(), 'mote-serve-'));
const key = makeKey('release');
let service: FleetService;
let readOnly: FleetService;
let publisher: MqttClient;

const options = (token: string | null) => ({
  brokers: [broker().url],
  tls: {},
  listen: { host: '127.0.0.1', port: 0 },
  token,
  historyMinutes: 5,
  seriesCap: 50,
  maxSeries: 10_000,
  maxDevices: MAX_DEVICES,
  ingestLimits: { reorderGraceMs: 300, perDeviceRate: 20, perDeviceBurst: 100 },
  log: (line: string) => serverLog.push(line),
});
/** What the servers logged: an internal error is a bug, whatever the input. */
const serverLog: string[] = [];

beforeAll(async () => {
  service = await startFleetService(options(TOKEN));
  readOnly = await startFleetService(options(null));
  publisher = await mqtt.connectAsync(broker().url);
});
afterAll(async () => {
  await publisher?.endAsync();
  await service?.stop();
  await readOnly?.stop();
  rmSync(work, { recursive: true, force: true });
});

async function api<T = any>(path: string, init?: RequestInit, on = service): Promise<{ status: number; body: T }> {
  const response = await fetch(new URL(path, on.url), init);
  return { status: response.status, body: (await response.json()) as T };
}

const BOOT = Uint8Array.from({ length: 16 }, (_, i) => i + 1);

function envelope(device: string, sequence: number, overrides: Partial<Envelope> = {}): Uint8Array {
  return encodeEnvelope({
    schemaVersion: 1,
    deviceId: device,
    bootId: BOOT,
    sequence,
    timeMs: 1_000 + sequence,
    module: 'probe',
    moduleVersion: '1',
    window: { startMs: sequence * 1000, lengthMs: 1000 },
    record: { kind: 'events', fields: ['seq'], rows: [{ offsetUs: 0, values: [sequence] }], dropped: 0 },
    ...overrides,
  });
}

async function publish(topic: string, payload: Uint8Array, retain = false): Promise<void> {
  await publisher.publishAsync(topic, Buffer.from(payload), { qos: 1, retain });
}

describe('crafted input', () => {
  it('drops duplicates, keeps late records and counts the gaps that stay open as lost', async () => {
    const device = 'crafted-1';
    for (const seq of [0, 1, 1, 3, 2, 0, 6, 3]) await publish(`mote/v1/${device}/telemetry/probe`, envelope(device, seq));
    await waitUntil('two lost records (4 and 5)', () => service.inventory.summary(device)?.lostRecords === 2, 5000);
    const history = await api(`/api/devices/${device}/modules/probe/history`);
    expect(history.body.rows.map((row: { values: number[] }) => row.values[0])).toEqual([0, 1, 3, 2, 6]);
    expect((await api(`/api/devices/${device}`)).body.lostByModule).toEqual({ probe: 2 });
  });

  it('takes every record kind in every shape a module sends, a per-key histogram window with no key included, as good input', async () => {
    const device = 'shapes-1';
    const before = (await api('/api/fleet')).body.totals.badInput;
    const shapes: Array<[string, TelemetryRecord]> = [
      ['perdisk', { kind: 'histogram', unit: 'size_bytes: bytes, latency_us: usecs', series: [] }],
      ['perdisk', { kind: 'histogram', unit: 'size_bytes: bytes, latency_us: usecs', series: [[[7, 0, 'size_bytes'], [0, 2, 5]]] }],
      ['latency', { kind: 'histogram', unit: 'usecs', buckets: [] }],
      ['calls', { kind: 'counter', deltas: [] }],
      ['gauges', { kind: 'gauge', values: [] }],
      ['tops', { kind: 'top', entries: [], other: 0 }],
      ['events', { kind: 'events', fields: ['pid'], rows: [], dropped: 0 }],
    ];
    let sequence = 0;
    for (const [module, record] of shapes) await publish(`mote/v1/${device}/telemetry/${module}`, envelope(device, sequence++, { module, record }));
    await waitUntil('the last shape in the history', () => service.history.view(device, 'events') !== undefined, 5000);
    for (const module of new Set(shapes.map(([name]) => name))) expect((await api(`/api/devices/${device}/modules/${module}/history`)).status, module).toBe(200);
    expect((await api('/api/fleet')).body.totals.badInput).toBe(before);
    expect((await api(`/api/devices/${device}`)).body.lostRecords).toBe(0);
    expect(serverLog.filter((line) => line.includes('internal error'))).toEqual([]);
    expect(await (await fetch(new URL('/metrics', service.url))).text()).toMatch(/mote_perdisk_size_bytes_count\{[^}]*device="shapes-1"[^}]*\} 7/);
  });

  it('counts bad input of every kind, survives, and keeps its device state bounded', async () => {
    const before = (await api('/api/fleet')).body.totals.badInput;
    const status = (device: string) => encodeStatus({ schemaVersion: 1, deviceId: device, bootId: BOOT, timeMs: 1, state: 'online', agentVersion: '0.1.0', release: '6.1', machine: 'x86_64' });
    const bad: Array<[string, Uint8Array]> = [
      ['mote/v1/bad-1/telemetry/probe', Uint8Array.of(0xff, 0x00, 0x13)], // malformed CBOR
      ['mote/v1/bad-1/telemetry/probe', encodePlain(new Map([[0, 2]]))], // unknown schema version
      ['mote/v1/bad-1/telemetry/probe', encodePlain(new Map<number, unknown>([[0, 1], [1, 42]]))], // a field of the wrong type
      ['mote/v1/bad-1/telemetry/probe', envelope('someone-else', 0)], // a device id that is not the topic's
      [`mote/v1/${'x'.repeat(300)}/status`, status('x'.repeat(300))], // a device id too long for a topic level
      ['mote/v1/bad-1/telemetry/probe', envelope('bad-1', 0, { module: 'other' })], // a module that is not the topic's
    ];
    for (const [topic, payload] of bad) await publish(topic, payload);
    await waitUntil('six bad inputs', () => service.inventory.totals().badInput === before + bad.length, 5000);

    // A retained status from a device that never sent telemetry is a device, not bad input.
    await publish('mote/v1/status-only/status', status('status-only'), true);
    await waitUntil('status-only listed', () => service.inventory.has('status-only'), 5000);
    await publish('mote/v1/status-only/status', new Uint8Array(), true);

    // A flood from one device: past its burst, messages are dropped and counted.
    for (let seq = 0; seq < 300; seq++) publisher.publish('mote/v1/flooder/telemetry/probe', Buffer.from(envelope('flooder', seq)), { qos: 0 });
    await waitUntil('the flood counted', () => service.inventory.totals().badInput >= before + bad.length + 150, 10_000);

    // Many device ids: the inventory keeps at most MAX_DEVICES.
    for (let i = 0; i < 3 * MAX_DEVICES; i++) publisher.publish(`mote/v1/many-${i}/telemetry/probe`, Buffer.from(envelope(`many-${i}`, 0)), { qos: 0 });
    await waitUntil('the last one listed', () => service.inventory.has(`many-${3 * MAX_DEVICES - 1}`), 10_000);
    expect(service.inventory.totals().devices).toBeLessThanOrEqual(MAX_DEVICES);
    expect((await api('/healthz')).body).toEqual({ ok: true });
  });

  it('pushes a record over SSE within a second', async () => {
    const response = await fetch(new URL('/api/events', service.url));
    const reader = response.body!.getReader();
    const sentAt = Date.now();
    await publish('mote/v1/sse-1/telemetry/probe', envelope('sse-1', 0));
    let text = '';
    while (!/event: record\ndata: \{"device":"sse-1"/.test(text)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the stream ended:\n${text}`);
      text += Buffer.from(value).toString();
    }
    const elapsedMs = Date.now() - sentAt;
    await reader.cancel();
    expect(elapsedMs).toBeLessThan(1000);
  });
});

describe.skipIf(skip !== null)('the real host agent', () => {
  if (skip) it.skip(`skipped: ${skip}`, () => {});

  it('appears with every module it runs, goes offline within keepalive plus grace after SIGKILL, and answers an OTA upload', async () => {
    const device = 'serve-agent-1';
    const config = join(work, 'mote.json');
    const publicKeyPath = join(work, 'release.pub');
    writeFileSync(config, JSON.stringify({ keepaliveSeconds: KEEPALIVE_S }));
    writeFileSync(publicKeyPath, formatPublicKey(publicKeyOf(key.secret), 'release'));
    const agent = runs.start(['--config', config, '--device', device, '--interval-ms', '500', '--ota-key', publicKeyPath, '--store', join(work, 'store')]);
    await agent.waitFor('the device online with its modules', () => (service.inventory.summary(device)?.modules.length ?? 0) > 0 && service.inventory.summary(device)!.online, 60_000);
    const fleet = await api('/api/fleet');
    const summary = fleet.body.devices.find((d: { device: string }) => d.device === device);
    const running = summary.modules.filter((m: { error?: string }) => m.error === undefined).map((m: { name: string }) => m.name);
    expect(running).toContain('syscount');
    expect(summary).toMatchObject({ online: true, arch: 'x86_64', boots: 1 });
    expect(summary.bootId).toMatch(/^[0-9a-f]{32}$/);
    const metrics = await fetch(new URL('/metrics', service.url));
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await metrics.text()).toMatch(new RegExp(`mote_device_up\\{device="${device}"\\} 1`));
    await agent.waitFor('a record of every running module', () => running.every((m: string) => service.history.view(device, m) !== undefined), 30_000);
    const syscount = await api(`/api/devices/${device}/modules/syscount/history`);
    expect(syscount.body.kind).toBe('counter');
    expect(syscount.body.series.some((s: { label: string }) => /^\S+ \S+ (read|write|getppid|futex|epoll_wait|openat)/.test(s.label) || /\b(read|write|futex|openat|close)\b/.test(s.label))).toBe(true);

    // OTA: refused without a token configured, with a wrong token; accepted with the right one.
    const bytes = signed(key);
    const post = (on: FleetService, token?: string) => api(`/api/ota?devices=${device}`, { method: 'POST', body: Buffer.from(bytes), headers: token ? { authorization: `Bearer ${token}` } : {} }, on);
    const refused = await post(readOnly, TOKEN);
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatch(/--token-file/);
    expect((await post(service, 'wrong-token')).status).toBe(401);
    expect((await post(service)).status).toBe(401);
    const accepted = await post(service, TOKEN);
    expect(accepted.status).toBe(202);
    const requestId = accepted.body.requestIds[device];
    await agent.waitFor('the OTA answer', () => service.inventory.detail(device)!.ota.some((r) => r.requestId === requestId), 30_000);
    const answer = (await api(`/api/devices/${device}`)).body.ota.find((r: { requestId: string }) => r.requestId === requestId);
    expect(answer).toMatchObject({ module: 'syscount', requestId });
    expect(['accepted', 'rejected', 'rolled-back']).toContain(answer.outcome);

    // SIGKILL: the Last Will says offline within 1.5 keepalives (mosquitto's rule) plus grace.
    agent.signal('SIGKILL');
    const killedAt = Date.now();
    await waitUntil('offline', () => service.inventory.summary(device)?.online === false, (1.5 * KEEPALIVE_S + 3) * 1000);
    const detail = (await api(`/api/devices/${device}`)).body;
    expect(detail.transitions.at(-1).state).toBe('offline');
    expect(Date.now() - killedAt).toBeLessThan((1.5 * KEEPALIVE_S + 3) * 1000);
  }, 180_000);
});
