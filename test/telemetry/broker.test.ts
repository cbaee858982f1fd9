/** Telemetry against a real mosquitto on a loopback port, observed by an MQTT.js subscriber. */
import { describe, expect, it } from 'vitest';
import { useMosquitto } from '../support/mosquitto.ts';
import { checkWithCbor2 } from '../support/cbor2.ts';
import { startAgent, Subscriber, waitUntil } from './harness.ts';
import { allRecords, syscountRecord } from '../../bundler/fixtures/telemetry-samples.ts';

const broker = useMosquitto();

const window = { startMs: 1000, lengthMs: 1000 };

describe.each([4, 5] as const)('telemetry over MQTT protocol version %i', (protocolVersion) => {
  it('publishes every record kind with QoS 1, a retained online status, and offline on a clean stop', async () => {
    const device = `dev-v${protocolVersion}`;
    const subscriber = await Subscriber.connect(broker().url, `mote/v1/${device}/#`, protocolVersion);
    const agent = startAgent(broker().port, device, { protocolVersion });
    agent.telemetry.setModules([{ name: 'syscount', version: '1.2.0' }, { name: 'biolatency', version: '1.0.0', error: 'no BTF' }]);
    await waitUntil('online status', () => subscriber.statuses(device).some((s) => s.state === 'online'));

    const sent = allRecords.map(([module, record]) => agent.telemetry.publish(module, '1.2.0', window, record));
    sent.push(agent.telemetry.publish('syscount', '1.2.0', window, syscountRecord));
    expect(sent).toEqual([0, 0, 0, 0, 0, 0, 1]);
    await waitUntil('7 records', () => subscriber.telemetry().length === 7);
    await waitUntil('7 acknowledgements', () => agent.telemetry.counters().sent === 7);

    const telemetry = subscriber.messages.filter((m) => m.envelope);
    expect(telemetry.every((m) => m.qos === 1 && !m.retain)).toBe(true);
    expect(telemetry.map((m) => m.topic)).toEqual([...allRecords.map(([module]) => `mote/v1/${device}/telemetry/${module}`), `mote/v1/${device}/telemetry/syscount`]);
    const verdicts = checkWithCbor2(telemetry.map((m) => ['telemetry', m.payload]));
    expect(verdicts.every((v) => v.ok)).toBe(true);
    expect(verdicts.map((v) => (v.ok ? [v.summary.module, v.summary.sequence] : []))).toEqual([...allRecords.map(([module]) => [module, 0]), ['syscount', 1]]);

    await agent.telemetry.stop();
    await waitUntil('offline status', () => subscriber.statuses(device).some((s) => s.state === 'offline'));
    const offline = subscriber.statuses(device).find((s) => s.state === 'offline')!;
    expect(offline.counters).toEqual({ sent: 7, dropped: 0, reconnects: 0, depth: 0, rejected: 0, malformed: 0, bytes: 0, oldestMs: 0, cut: 0 });
    expect(offline.modules).toEqual([{ name: 'syscount', version: '1.2.0' }, { name: 'biolatency', version: '1.0.0', error: 'no BTF' }]);
    await subscriber.close();

    const late = await Subscriber.connect(broker().url, `mote/v1/${device}/status`, protocolVersion);
    await waitUntil('retained status', () => late.statuses(device).length === 1);
    expect(late.messages[0]).toMatchObject({ retain: true, status: { state: 'offline', release: '6.1.0-31-armmp', machine: 'armv7l', agentVersion: '0.1.0-test' } });
    const [verdict] = checkWithCbor2([['status', late.messages[0]!.payload]]);
    expect(verdict).toMatchObject({ ok: true, summary: { state: 'offline', counters: { sent: 7, dropped: 0, reconnects: 0, depth: 0 } } });
    await late.close();
  });
});

it('publishes with QoS 0 when asked to', async () => {
  const subscriber = await Subscriber.connect(broker().url, 'mote/v1/dev-qos0/telemetry/#');
  const agent = startAgent(broker().port, 'dev-qos0', { qos: 0 });
  await waitUntil('connection', () => agent.telemetry.session.connected);
  for (let i = 0; i < 3; i++) agent.telemetry.publish('syscount', '1.2.0', window, syscountRecord);
  await waitUntil('3 records', () => subscriber.telemetry().length === 3);
  expect(subscriber.messages.map((m) => [m.qos, m.envelope!.sequence])).toEqual([[0, 0], [0, 1], [0, 2]]);
  expect(agent.telemetry.counters()).toMatchObject({ sent: 3, depth: 0 });
  await agent.telemetry.stop();
  await subscriber.close();
});

it('counts and logs malformed payloads on its OTA topics, and keeps publishing', async () => {
  const commands: Array<[string, Map<unknown, unknown>]> = [];
  const agent = startAgent(broker().port, 'dev-inbound', { onCommand: (path, command) => commands.push([path, command]) });
  const subscriber = await Subscriber.connect(broker().url, 'mote/v1/dev-inbound/#');
  await waitUntil('online status', () => subscriber.statuses('dev-inbound').length > 0);
  const ota = 'mote/v1/dev-inbound/ota/apply';
  await subscriber.client.publishAsync(ota, Buffer.from([0xff, 0xfe, 0x00]), { qos: 1 });
  await subscriber.client.publishAsync(ota, Buffer.from('{"not":"cbor"}'), { qos: 0 });
  await subscriber.client.publishAsync(ota, Buffer.from([0x82, 0x01, 0x02]), { qos: 1 });
  await subscriber.client.publishAsync(ota, Buffer.from([0xa1, 0x00, 0x01]), { qos: 1 });
  await waitUntil('the well-formed command', () => commands.length === 1);
  expect(commands).toEqual([['apply', new Map([[0, 1]])]]);
  expect(agent.telemetry.session.stats.rejectedMessages).toBe(3);
  expect(agent.log.lines.filter((l) => l.includes(`message on '${ota}' rejected`))).toHaveLength(3);
  agent.telemetry.publish('syscount', '1.2.0', window, syscountRecord);
  await waitUntil('a record after the bad input', () => subscriber.telemetry().length === 1);
  expect(agent.telemetry.session.stats.reconnects).toBe(0);
  await agent.telemetry.stop();
  await subscriber.close();
});
