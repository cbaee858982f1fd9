/** The MQTT session's behaviour where a real broker cannot be made to misbehave on cue. */
import type { IPublishPacket } from 'mqtt-packet';
import { afterEach, expect, it } from 'vitest';
import { startAgent, waitUntil, type TestAgent } from './harness.ts';
import { syscountRecord } from '../../bundler/fixtures/telemetry-samples.ts';
import { acknowledge, CONNACK_OK, ScriptedBroker, type ScriptedConnection } from './scripted-broker.ts';
import { FailoverTransport } from '../../agent/src/telemetry/failover-transport.ts';
import { NetTransport } from './net-transport.ts';

const window = { startMs: 0, lengthMs: 1000 };
let agent: TestAgent | undefined;
let broker: ScriptedBroker | undefined;

afterEach(async () => {
  await agent?.telemetry.stop();
  await broker?.close();
  agent = broker = undefined;
});

function telemetryPublishes(b: ScriptedBroker): Array<{ connection: number; packet: IPublishPacket }> {
  return b.packets('publish').filter((r) => (r.packet as IPublishPacket).topic.includes('/telemetry/')) as Array<{ connection: number; packet: IPublishPacket }>;
}

it('resends an unacknowledged QoS 1 message with DUP and the same packet id after a reconnect', async () => {
  broker = await ScriptedBroker.start((connection, packet) => {
    if (packet.cmd === 'connect') connection.send(CONNACK_OK);
    if (packet.cmd === 'publish' && packet.topic.includes('/telemetry/')) {
      if (connection.index === 0) connection.close();
      else connection.send({ cmd: 'puback', messageId: packet.messageId! });
    }
    if (packet.cmd === 'publish' && packet.topic.endsWith('/status')) connection.send({ cmd: 'puback', messageId: packet.messageId! });
  });
  agent = startAgent(broker.port, 'dev-dup');
  await waitUntil('connection', () => agent!.telemetry.session.connected);
  agent.telemetry.publish('syscount', '1.2.0', window, syscountRecord);
  await waitUntil('the acknowledgement on the second connection', () => agent!.telemetry.counters().sent === 1);
  const [first, second] = telemetryPublishes(broker);
  expect(first).toMatchObject({ connection: 0, packet: { qos: 1, dup: false } });
  expect(second).toMatchObject({ connection: 1, packet: { qos: 1, dup: true, messageId: first!.packet.messageId } });
  expect(second!.packet.payload).toEqual(first!.packet.payload);
  expect(agent.telemetry.counters()).toEqual({ sent: 1, dropped: 0, reconnects: 1, depth: 0, rejected: 0, malformed: 0, bytes: 0, oldestMs: 0, cut: 0 });
});

it('counts malformed packets from the broker, drops that connection and reconnects', async () => {
  broker = await ScriptedBroker.start((connection, packet) => {
    acknowledge(connection, packet);
    if (packet.cmd !== 'connect') return;
    connection.send(CONNACK_OK);
    if (connection.index === 0) connection.sendRaw(Uint8Array.from([0x00, 0x00]));
    if (connection.index === 1) connection.send(CONNACK_OK);
    if (connection.index === 2) connection.sendRaw(Uint8Array.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]));
  });
  agent = startAgent(broker.port, 'dev-malformed');
  await waitUntil('four connections', () => broker!.connectionCount >= 4 && agent!.telemetry.session.connected);
  expect(agent.telemetry.session.stats.malformedPackets).toBe(3);
  expect(agent.log.lines.filter((l) => /malformed packet from the broker|a second CONNACK/.test(l))).toHaveLength(3);
});

it('pings within the keepalive and drops a connection whose pings go unanswered', async () => {
  broker = await ScriptedBroker.start((connection, packet) => {
    if (packet.cmd === 'connect') connection.send(CONNACK_OK);
    acknowledge(connection, packet);
    const pingsSoFar = broker?.packets('pingreq').length ?? 0;
    if (packet.cmd === 'pingreq' && pingsSoFar === 1) connection.send({ cmd: 'pingresp' });
  });
  agent = startAgent(broker.port, 'dev-keepalive', { keepaliveSeconds: 1 });
  await waitUntil('a second connection', () => broker!.connectionCount === 2, 15_000);
  expect(broker.packets('connect')[0]!.packet).toMatchObject({ keepalive: 1 });
  expect(broker.packets('pingreq').filter((p) => p.connection === 0)).toHaveLength(2);
  await waitUntil('the unanswered ping to cost the connection', () => agent!.log.lines.some((l) => l.includes('no PINGRESP within 1 s')), 15_000);
});

it('says why the broker refused it, and keeps trying', async () => {
  broker = await ScriptedBroker.start((connection, packet) => {
    if (packet.cmd === 'connect') connection.send({ cmd: 'connack', returnCode: 5, sessionPresent: false });
  });
  agent = startAgent(broker.port, 'dev-refused');
  await waitUntil('two attempts', () => broker!.connectionCount >= 2);
  expect(agent.log.lines.find((l) => l.includes('refused'))).toMatch(/connection refused \(code 5\): not authorized; check the broker ACL/);
});

it('sends its Last Will and credentials in CONNECT', async () => {
  broker = await ScriptedBroker.start((connection, packet) => {
    if (packet.cmd === 'connect') connection.send(CONNACK_OK);
    acknowledge(connection, packet);
  });
  agent = startAgent(broker.port, 'dev-will', { username: 'gw', password: 's3cret' });
  await waitUntil('connect', () => broker!.packets('connect').length === 1);
  const connect = broker.packets('connect')[0]!.packet;
  expect(connect).toMatchObject({ clientId: 'mote-dev-will', clean: true, username: 'gw', will: { topic: 'mote/v1/dev-will/status', qos: 1, retain: true } });
  expect(Buffer.from((connect as { password: Buffer }).password).toString()).toBe('s3cret');
});

it('moves to the next broker when the first drops it, resending the unacknowledged message there with DUP, counted once', async () => {
  broker = await ScriptedBroker.start((connection, packet) => {
    if (packet.cmd === 'connect') connection.send(CONNACK_OK);
    if (packet.cmd === 'publish' && packet.topic.includes('/telemetry/')) connection.close();
    else acknowledge(connection, packet);
  });
  const second = await ScriptedBroker.start((connection, packet) => {
    if (packet.cmd === 'connect') connection.send(CONNACK_OK);
    acknowledge(connection, packet);
  });
  try {
    const transport = new FailoverTransport([new NetTransport('127.0.0.1', broker.port), new NetTransport('127.0.0.1', second.port)]);
    agent = startAgent(broker.port, 'dev-failover', { transport });
    await waitUntil('connection to the first broker', () => agent!.telemetry.session.connected);
    agent.telemetry.publish('syscount', '1.2.0', window, syscountRecord);
    await waitUntil('the acknowledgement from the second broker', () => agent!.telemetry.counters().sent === 1);
    const [onFirst] = telemetryPublishes(broker);
    const [onSecond] = telemetryPublishes(second);
    expect(onFirst).toMatchObject({ packet: { qos: 1, dup: false } });
    expect(onSecond).toMatchObject({ packet: { qos: 1, dup: true } });
    expect(onSecond!.packet.payload).toEqual(onFirst!.packet.payload);
    expect(second.packets('connect')).toHaveLength(1);
    expect(agent.telemetry.counters()).toMatchObject({ sent: 1, dropped: 0, reconnects: 1, depth: 0 });
  } finally {
    await agent?.telemetry.stop();
    agent = undefined;
    await second.close();
  }
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The connection telemetryBroker() last heard from. */
let lastConnection: ScriptedConnection | undefined;

/** A broker that accepts, acknowledges the status, and hands each telemetry PUBLISH to `onTelemetry`. */
async function telemetryBroker(onTelemetry: (connection: ScriptedConnection, messageId: number) => void): Promise<ScriptedBroker> {
  return ScriptedBroker.start((connection, packet) => {
    lastConnection = connection;
    if (packet.cmd === 'connect') connection.send(CONNACK_OK);
    if (packet.cmd === 'publish' && packet.topic.endsWith('/status')) connection.send({ cmd: 'puback', messageId: packet.messageId! });
    if (packet.cmd === 'publish' && packet.topic.includes('/telemetry/')) onTelemetry(connection, packet.messageId!);
  });
}

it('takes PUBACKs whole, several in one read, or split at any byte, and counts each message once', async () => {
  const pending: number[] = [];
  broker = await telemetryBroker((connection, messageId) => {
    pending.push(messageId);
    if (pending.length < 3) return;
    const acks = pending.splice(0).map((id) => [0x40, 0x02, id >> 8, id & 0xff]);
    void (async () => {
      // The first two in one write; the third a byte at a time, and a fourth with the last byte of the third.
      connection.sendRaw(Uint8Array.from([...acks[0]!, ...acks[1]!]));
      await sleep(30);
      for (const byte of acks[2]!.slice(0, 3)) {
        connection.sendRaw(Uint8Array.of(byte));
        await sleep(30);
      }
    })();
  });
  agent = startAgent(broker.port, 'dev-pubacks');
  await waitUntil('connection', () => agent!.telemetry.session.connected);
  for (let i = 0; i < 3; i++) agent.telemetry.publish('syscount', '1.2.0', window, syscountRecord);
  await waitUntil('two acknowledgements', () => agent!.telemetry.counters().sent === 2);
  await sleep(200);
  expect(agent.telemetry.counters().sent).toBe(2);
  // The last byte of the third arrives with a whole PUBACK for an id never sent.
  const third = telemetryPublishes(broker)[2]!.packet.messageId!;
  lastConnection!.sendRaw(Uint8Array.from([third & 0xff, 0x40, 0x02, 0x7f, 0x7f]));
  await waitUntil('the third acknowledgement', () => agent!.telemetry.counters().sent === 3);
  expect(agent.telemetry.counters()).toMatchObject({ sent: 3, depth: 0, malformed: 0 });
  expect(agent.telemetry.session.connected).toBe(true);
});

it('leaves bytes shaped like a PUBACK to the parser while it holds part of another packet', async () => {
  broker = await telemetryBroker((connection, id) => {
    // This PUBACK in two reads, so that the parser takes it.
    void (async () => {
      connection.sendRaw(Uint8Array.from([0x40, 0x02, id >> 8]));
      await sleep(50);
      connection.sendRaw(Uint8Array.of(id & 0xff));
    })();
  });
  agent = startAgent(broker.port, 'dev-split-suback');
  await waitUntil('connection', () => agent!.telemetry.session.connected);
  await sleep(200); // the status and its PUBACK go first
  // A SUBACK (packet id 0x4002, return codes 0, 1, 0) whose head comes alone and whose first 4 bytes after it look like a PUBACK.
  for (const chunk of [[0x90, 0x05], [0x40, 0x02, 0x00, 0x01], [0x00]]) {
    lastConnection!.sendRaw(Uint8Array.from(chunk));
    await sleep(50);
  }
  agent.telemetry.publish('syscount', '1.2.0', window, syscountRecord);
  await waitUntil('the acknowledgement', () => agent!.telemetry.counters().sent === 1);
  expect(agent.telemetry.counters()).toMatchObject({ sent: 1, depth: 0, malformed: 0 });
  expect(agent.telemetry.session.stats.reconnects).toBe(0);
});
