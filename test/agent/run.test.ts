/**
 * `mote-agent run`, the real host binary against a real mosquitto on loopback, with the built-in
 * modules on this machine's kernel (root): records arrive and python3-cbor2 finds them shaped as
 * schema.cddl says; the status lists the modules; SIGTERM publishes offline and exits, SIGKILL
 * leaves the Last Will; bad inbound payloads are counted, never fatal; SIGHUP reloads modules.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { rootSkipReason } from '../support/agent.ts';
import { useMosquitto } from '../support/mosquitto.ts';
import { checkWithCbor2 } from '../support/cbor2.ts';
import { Subscriber, waitUntil } from '../telemetry/harness.ts';
import { gapCount, lastCountedStatus, SECOND_MODULE, sequencesOf, STEADY_MODULE, useAgentRuns, type AgentProcess } from './support.ts';

const broker = useMosquitto();
const skip = rootSkipReason();
const { start, subscribe } = useAgentRuns(broker);
const directory = mkdtempSync(join(tmpdir(), 'mote-run-'));

/** An agent running the steady module for `device`, once its first record arrived, and its subscriber. */
async function steadyAgent(device: string, extra: string[] = []): Promise<{ agent: AgentProcess; subscriber: Subscriber }> {
  const subscriber = await subscribe(device);
  const agent = start(['--device', device, '--modules', STEADY_MODULE, ...extra]);
  await agent.waitFor('a record', () => subscriber.telemetry(STEADY_MODULE).length >= 1, 30_000);
  return { agent, subscriber };
}

afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe.skipIf(skip !== null)('mote-agent run on the host kernel', () => {
  it('loads every built-in module it can, publishes their records, and python3-cbor2 reads them as the schema says', async () => {
    const device = 'run-defaults';
    const subscriber = await subscribe(device);
    const agent = start(['--device', device]);
    await agent.waitFor(`two ${STEADY_MODULE} records`, () => subscriber.telemetry(STEADY_MODULE).length >= 2, 30_000);
    const status = subscriber.statuses(device).find((s) => s.state === 'online' && (s.modules ?? []).length > 0)!;
    expect(status.modules!.find((m) => m.name === STEADY_MODULE)).toMatchObject({ version: expect.any(String), variant: expect.any(String) });
    expect(status.modules!.every((m) => m.error !== undefined || m.variant !== undefined)).toBe(true);
    expect(agent.stderr).toMatch(/modules running: /);
    for (const skipped of status.modules!.filter((m) => m.error !== undefined)) expect(agent.stderr).toContain(`module ${skipped.name}: skipped: `);

    const payloads = subscriber.messages.map((m): ['telemetry' | 'status', Uint8Array] => [m.envelope ? 'telemetry' : 'status', m.payload]);
    const verdicts = checkWithCbor2(payloads);
    expect(verdicts.filter((v) => !v.ok)).toEqual([]);
    const telemetry = verdicts.flatMap((v, i) => (v.ok && payloads[i]![0] === 'telemetry' ? [v.summary] : []));
    for (const summary of telemetry) {
      expect(summary).toMatchObject({ device, module: expect.any(String), sequence: expect.any(Number) });
      expect(['counter', 'gauge', 'histogram', 'top', 'events']).toContain((summary.record as { kind: string }).kind);
    }
    const running = status.modules!.filter((m) => m.error === undefined).map((m) => m.name);
    expect(new Set(subscriber.telemetry().map((e) => e.module))).toSatisfy((seen: Set<string>) => [...seen].every((m) => running.includes(m)));
    expect(subscriber.messages.filter((m) => m.envelope).every((m) => m.topic === `mote/v1/${device}/telemetry/${m.envelope!.module}` && m.qos === 1)).toBe(true);
  }, 60_000);

  it('on SIGTERM detaches its modules, publishes offline with its final counters, and exits 0', async () => {
    const device = 'run-sigterm';
    const { agent, subscriber } = await steadyAgent(device);
    agent.signal('SIGTERM');
    expect(await agent.exit()).toEqual({ code: 0, signal: null });
    await waitUntil('the offline status', () => subscriber.statuses(device).some((s) => s.state === 'offline'));
    const offline = subscriber.statuses(device).find((s) => s.state === 'offline')!;
    expect(offline.counters).toMatchObject({ dropped: 0, depth: 0 });
    expect(offline.counters!.sent).toBe(subscriber.telemetry(STEADY_MODULE).length);
    expect(gapCount(sequencesOf(subscriber, device))).toBe(0);
    expect(agent.stderr).toContain('SIGTERM: detaching modules, publishing offline');
  }, 60_000);

  it('publishes telemetry with QoS 0 when asked, and the status still with QoS 1', async () => {
    const device = 'run-qos0';
    const { agent, subscriber } = await steadyAgent(device, ['--qos', '0']);
    await waitUntil('two records', () => subscriber.telemetry(STEADY_MODULE).length >= 2, 30_000);
    expect(subscriber.messages.filter((m) => m.envelope).map((m) => m.qos)).toSatisfy((qos: number[]) => qos.every((q) => q === 0));
    expect(subscriber.messages.filter((m) => m.status).every((m) => m.qos === 1)).toBe(true);
    agent.signal('SIGTERM');
    expect((await agent.exit()).code).toBe(0);
  }, 60_000);

  it('leaves its Last Will when killed: the retained status reads offline', async () => {
    const device = 'run-sigkill';
    const { agent, subscriber } = await steadyAgent(device);
    agent.signal('SIGKILL');
    await agent.exit();
    await waitUntil('the Last Will', () => subscriber.statuses(device).some((s) => s.state === 'offline'), 20_000);
    const late = await subscribe(device);
    await waitUntil('the retained status', () => late.messages.some((m) => m.retain && m.status));
    const retained = late.messages.find((m) => m.retain && m.status)!;
    expect(retained.status).toMatchObject({ state: 'offline', deviceId: device });
    expect(retained.status!.counters).toBeUndefined();
    expect(checkWithCbor2([['status', retained.payload]])[0]).toMatchObject({ ok: true, summary: { state: 'offline' } });
  }, 60_000);

  it('logs and counts malformed payloads on its command topics, and keeps running', async () => {
    const device = 'run-inbound';
    const { agent, subscriber } = await steadyAgent(device, ['--status-interval-ms', '300']);
    const sender = await mqtt.connectAsync(broker().url);
    const bad = [Buffer.from('not cbor at all \xff'), Buffer.from([0x83, 0x01, 0x02, 0x03]), Buffer.from([0x9f, 0x01]), Buffer.alloc(0)];
    for (const payload of bad) await sender.publishAsync(`mote/v1/${device}/ota/install`, payload, { qos: 1 });
    await sender.endAsync();
    await waitUntil('the rejections counted in the status', () => (lastCountedStatus(subscriber, device)?.counters?.rejected ?? 0) >= bad.length, 20_000);
    expect(lastCountedStatus(subscriber, device)!.counters!.rejected).toBe(bad.length);
    expect(agent.stderr.match(/message on 'mote\/v1\/run-inbound\/ota\/install' rejected: /g)).toHaveLength(bad.length);
    const before = subscriber.telemetry(STEADY_MODULE).length;
    await waitUntil('records still flowing', () => subscriber.telemetry(STEADY_MODULE).length > before, 20_000);
    agent.signal('SIGTERM');
    expect((await agent.exit()).code).toBe(0);
  }, 60_000);

  it('on SIGHUP starts and stops modules from the config file without restarting the others', async () => {
    const device = 'run-reload';
    const config = join(directory, 'reload.json');
    const subscriber = await subscribe(device);
    const listed = () => (lastCountedStatus(subscriber, device)?.modules ?? []).map((m) => (m.error === undefined ? m.name : `${m.name}: ${m.error}`));
    const reload = (modules: Record<string, object>) => {
      writeFileSync(config, JSON.stringify({ device, modules }));
      agent.signal('SIGHUP');
    };
    writeFileSync(config, JSON.stringify({ device, modules: { [STEADY_MODULE]: {}, nosuch: {} } }));
    const agent = start(['--config', config]);
    await waitUntil('records', () => subscriber.telemetry(STEADY_MODULE).length >= 2, 30_000);
    expect(listed()).toEqual([STEADY_MODULE, expect.stringMatching(/^nosuch: no module named 'nosuch'/)]);

    reload({ [STEADY_MODULE]: {}, nosuch: { enabled: false }, [SECOND_MODULE]: {} });
    await waitUntil(`${SECOND_MODULE} added, nosuch gone`, () => listed().join() === [STEADY_MODULE, SECOND_MODULE].join(), 20_000);
    reload({ [STEADY_MODULE]: {} });
    await waitUntil(`${SECOND_MODULE} stopped`, () => listed().join() === STEADY_MODULE, 20_000);
    expect(agent.stderr).toContain(`module ${SECOND_MODULE} stopped`);
    const seen = subscriber.telemetry(STEADY_MODULE).length;
    await waitUntil('records after the reloads', () => subscriber.telemetry(STEADY_MODULE).length >= seen + 2, 20_000);
    expect(agent.stderr.match(new RegExp(`module ${STEADY_MODULE} \\S+ \\(\\S+\\) runs every`, 'g'))).toHaveLength(1);

    reload({ [STEADY_MODULE]: { intervalMs: 200 } });
    await waitUntil('the module reloaded at 200 ms', () => new RegExp(`module ${STEADY_MODULE} .* runs every 200 ms`).test(agent.stderr), 20_000);
    writeFileSync(config, '{ not json');
    agent.signal('SIGHUP');
    await waitUntil('the bad config refused', () => /SIGHUP: config .*not valid JSON.*the running modules are unchanged/.test(agent.stderr), 20_000);
    agent.signal('SIGTERM');
    expect((await agent.exit()).code).toBe(0);
    expect(gapCount(sequencesOf(subscriber, device))).toBe(0);
  }, 90_000);
});

describe('mote-agent run refuses a bad start with a message that says what to fix', () => {
  it.each([
    [['--broker', 'http://x'], /is not a broker URL: write mqtt:\/\/host\[:port\]/],
    [['--broker', 'mqtts://localhost'], /mqtts:\/\/ needs --ca <file>/],
    [['--config', '/nonexistent/mote.json'], /config \/nonexistent\/mote.json: cannot read it \(ENOENT\)/],
    [['--qos', '2'], /--qos must be 0 or 1/],
    [['--device', 'a/b'], /device id 'a\/b' cannot be an MQTT topic level/],
  ])('%j', async (args, message) => {
    const agent = start(args);
    expect((await agent.exit()).code).toBe(1);
    expect(agent.stderr).toMatch(message);
  });
});
