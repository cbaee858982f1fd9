/**
 * The fleet simulator against a real mosquitto, with a subscriber that sees every message:
 * 200 devices publish recorded records for a few seconds. Every record the broker acknowledged
 * reaches the subscriber exactly once, keyed by (device, boot, module, seq); sequences run from 0
 * per module and boot; each device has its own 16-byte boot id, its online status with the
 * recorded modules, and a retained offline status after a clean stop; python3-cbor2 reads a
 * simulated envelope as it reads the real one it came from, but for device, boot, seq and times.
 * With random disconnects, each dropped device's Last Will comes out, and no acknowledged record
 * is missing. A rebooted device comes back with a new boot id and sequences from 0, after its
 * Last Will. Two brokers, one killed mid-run: its devices fail over and nothing stays unacknowledged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCorpus } from '../../bundler/fleet-sim/corpus.ts';
import { FleetSim, runFleetSim, type FleetSimOptions, type FleetSimReport } from '../../bundler/fleet-sim/fleet.ts';
import { acknowledgedKeys, recordKey } from '../../bundler/fleet-sim/ledger.ts';
import { statusTopic, telemetryTopic } from '../../agent/src/telemetry/topics.ts';
import { checkWithCbor2, decodeWithCbor2 } from '../support/cbor2.ts';
import { Mosquitto } from '../support/mosquitto.ts';
import { Subscriber, waitUntil, type Received } from '../telemetry/harness.ts';

const DEVICES = 200;
const RATE = 3;
const corpus = readCorpus();

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** How many times the subscriber received each record, by recordKey. */
function receivedCounts(messages: Received[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { envelope: e } of messages) {
    if (!e) continue;
    const key = recordKey(e.deviceId, hex(e.bootId), e.module, e.sequence);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

interface Run {
  broker: Mosquitto;
  subscriber: Subscriber;
  report: FleetSimReport;
}

/** A broker that never drops a message for a slow subscriber (no bound on its queue and in-flight window). */
const startBroker = () => Mosquitto.start({ settings: ['max_queued_messages 0', 'max_inflight_messages 0'] });

/** Runs the simulator against a fresh broker with a subscriber to everything, then waits (at most 15 s) for the subscriber to have every acknowledged record. */
async function simulate(options: Omit<FleetSimOptions, 'brokers'> & { seconds: number }): Promise<Run> {
  const broker = await startBroker();
  const subscriber = await Subscriber.connect(broker.url, 'mote/v1/#');
  const report = await runFleetSim({ ...options, brokers: [broker.url], connectRate: 400 });
  const keys = acknowledgedKeys(report.acknowledged);
  await waitUntil('the subscriber to receive every acknowledged record', () => {
    const counts = receivedCounts(subscriber.messages);
    return [...keys].every((key) => counts.has(key));
  }, 15_000).catch(() => undefined);
  return { broker, subscriber, report };
}

describe('fleet-sim: 200 devices against a real mosquitto', () => {
  let run: Run;
  beforeAll(async () => {
    run = await simulate({ devices: DEVICES, rate: RATE, seconds: 2 });
  });
  afterAll(async () => {
    await run?.subscriber.close();
    await run?.broker.stop();
  });

  it('has every device publish, and the broker acknowledge all it published', () => {
    const { report } = run;
    expect(report.devices).toHaveLength(DEVICES);
    expect(report.devices.map((d) => d.device).slice(0, 2)).toEqual(['sim-00001', 'sim-00002']);
    expect(report.devices.every((d) => d.published >= RATE)).toBe(true);
    expect(report.totals.acknowledged).toBe(report.totals.published);
    expect(report.totals.pending).toBe(0);
    expect(report.totals.dropped).toBe(0);
  });

  it('delivers every acknowledged record to the subscriber exactly once, and nothing else', () => {
    const keys = acknowledgedKeys(run.report.acknowledged);
    expect(keys.size).toBe(run.report.totals.acknowledged);
    const counts = receivedCounts(run.subscriber.messages);
    const notOnce = [...keys].filter((key) => counts.get(key) !== 1);
    expect(notOnce).toEqual([]);
    expect([...counts.keys()].filter((key) => !keys.has(key))).toEqual([]);
  });

  it('numbers each module\'s records from 0 per boot, with a distinct 16-byte boot id per device', () => {
    for (const stream of run.report.acknowledged) {
      expect([...stream.seqs].sort((a, b) => a - b)).toEqual(stream.seqs.map((_, i) => i));
    }
    const boots = new Set(run.report.devices.map((d) => d.bootId));
    expect(boots.size).toBe(DEVICES);
    expect([...boots].every((b) => /^[0-9a-f]{32}$/.test(b))).toBe(true);
    const envelope = run.subscriber.messages.find((m) => m.envelope)!;
    expect(envelope.topic).toBe(telemetryTopic(envelope.envelope!.deviceId, envelope.envelope!.module));
    expect(envelope.qos).toBe(1);
  });

  it('publishes each device\'s online status with the recorded modules, and leaves offline retained after the stop', async () => {
    const device = run.report.devices[7]!;
    const statuses = run.subscriber.statuses(device.device);
    const online = statuses.find((s) => s.state === 'online' && s.modules);
    expect(online?.modules).toEqual(corpus.status.modules);
    expect(hex(online!.bootId)).toBe(device.bootId);
    expect([online!.agentVersion, online!.release, online!.machine]).toEqual([corpus.status.agentVersion, corpus.status.release, corpus.status.machine]);
    const late = await Subscriber.connect(run.broker.url, statusTopic(device.device));
    try {
      await waitUntil('the retained status', () => late.messages.length > 0);
      const [retained] = late.messages;
      expect(retained!.retain).toBe(true);
      expect(retained!.status).toMatchObject({ state: 'offline', deviceId: device.device, counters: { sent: device.acknowledged, dropped: 0, depth: 0 } });
    } finally {
      await late.close();
    }
  });

  it('makes envelopes python3-cbor2 reads as the real ones they replay, but for device, boot, seq and times', () => {
    const simulated = new Map<string, Received>();
    for (const m of run.subscriber.messages) if (m.envelope && !simulated.has(m.envelope.module)) simulated.set(m.envelope.module, m);
    expect([...simulated.keys()].sort()).toEqual([...corpus.byModule.keys()].sort());
    const pairs = [...simulated.values()].map((m) => {
      const recorded = corpus.byModule.get(m.envelope!.module)!;
      return [m.payload, recorded[m.envelope!.sequence % recorded.length]!.payload];
    });
    // One python3 run: a CBOR array whose items are the payloads, simulated and real in turn.
    const decoded = decodeWithCbor2(`${(0x80 + 2 * pairs.length).toString(16)}${pairs.flat().map(hex).join('')}`) as Array<Record<string, unknown>>;
    [...simulated.values()].forEach((message, i) => {
      const { '1': device, '2': boot, '3': seq, '4': time, '7': window, ...same } = decoded[2 * i]!;
      const { '1': _device, '2': _boot, '3': _seq, '4': _time, '7': realWindow, ...realSame } = decoded[2 * i + 1]!;
      expect([device, boot, seq, time]).toEqual([message.envelope!.deviceId, { $bytes: hex(message.envelope!.bootId) }, message.envelope!.sequence, message.envelope!.timeMs]);
      expect((window as number[])[1]).toBe((realWindow as number[])[1]);
      expect(same).toEqual(realSame);
    });
    const statuses = run.subscriber.messages.filter((m) => m.status).slice(0, 3);
    const verdicts = checkWithCbor2([...[...simulated.values()].map((m): ['telemetry', Uint8Array] => ['telemetry', m.payload]), ...statuses.map((m): ['status', Uint8Array] => ['status', m.payload])]);
    expect(verdicts.filter((v) => !v.ok)).toEqual([]);
  });
});

describe('fleet-sim: random disconnects', () => {
  let run: Run;
  beforeAll(async () => {
    run = await simulate({ devices: DEVICES, rate: RATE, seconds: 3, disconnectRate: 0.5 });
  });
  afterAll(async () => {
    await run?.subscriber.close();
    await run?.broker.stop();
  });

  it('drops and reconnects devices, and still has every published record acknowledged', () => {
    expect(run.report.totals.disconnects).toBeGreaterThan(DEVICES / 2);
    // A device dropped at the last tick, with nothing left to send, may still be in its backoff at the stop.
    const { reconnects, disconnects } = run.report.totals;
    expect(reconnects).toBeLessThanOrEqual(disconnects);
    expect(reconnects).toBeGreaterThanOrEqual(disconnects - (DEVICES - run.report.devicesConnected));
    expect(run.report.totals.acknowledged).toBe(run.report.totals.published);
  });

  it('loses no acknowledged record on the way to the subscriber', () => {
    const counts = receivedCounts(run.subscriber.messages);
    expect([...acknowledgedKeys(run.report.acknowledged)].filter((key) => !counts.has(key))).toEqual([]);
  });

  it('has the broker publish the Last Will (offline, the boot id, no counters) of every dropped device', () => {
    const dropped = run.report.devices.filter((d) => d.disconnects > 0);
    for (const device of dropped) {
      const wills = run.subscriber.statuses(device.device).filter((s) => s.state === 'offline' && !s.counters);
      expect(wills.length, device.device).toBe(device.disconnects);
      expect(wills.every((w) => hex(w.bootId) === device.bootId)).toBe(true);
    }
  });
});

describe('fleet-sim: reboots', () => {
  it('brings a rebooted device back with a new boot id and sequences from 0, after its Last Will', async () => {
    const broker = await startBroker();
    const subscriber = await Subscriber.connect(broker.url, 'mote/v1/#');
    try {
      const sim = new FleetSim({ devices: 20, rate: 10, brokers: [broker.url], connectRate: 400 });
      sim.start();
      await waitUntil('every device to connect and publish', () => sim.progress().devicesConnected === 20 && sim.progress().totals.acknowledged >= 100);
      for (let i = 0; i < 5; i++) sim.reboot(i);
      await waitUntil('the rebooted devices to connect again', () => sim.progress().devicesConnected === 20);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const report = await sim.stop();
      expect(report.reboots).toBe(5);
      expect(report.devices).toHaveLength(25);
      const boots = report.devices.filter((d) => d.device === 'sim-00001');
      expect(boots).toHaveLength(2);
      const [first, second] = boots as [typeof boots[0], typeof boots[0]];
      expect(first.bootId).not.toBe(second.bootId);
      for (const stream of report.acknowledged.filter((s) => s.bootId === second.bootId)) {
        expect([...stream.seqs].sort((a, b) => a - b)).toEqual(stream.seqs.map((_, i) => i));
      }
      const keys = acknowledgedKeys(report.acknowledged);
      await waitUntil('the subscriber to receive every acknowledged record', () => {
        const counts = receivedCounts(subscriber.messages);
        return [...keys].every((key) => counts.has(key));
      });
      const statuses = subscriber.statuses('sim-00001');
      const will = statuses.findIndex((s) => s.state === 'offline' && !s.counters && hex(s.bootId) === first.bootId);
      const backOnline = statuses.findIndex((s) => s.state === 'online' && hex(s.bootId) === second.bootId);
      expect(will).toBeGreaterThanOrEqual(0);
      expect(backOnline).toBeGreaterThan(will);
    } finally {
      await subscriber.close();
      await broker.stop();
    }
  });
});

describe('fleet-sim: failover across two brokers', () => {
  it('moves the devices of a broker that dies to the other one, and has every record acknowledged', async () => {
    const [first, second] = await Promise.all([Mosquitto.start(), Mosquitto.start()]);
    try {
      const sim = new FleetSim({ devices: 50, rate: RATE, brokers: [first.url, second.url], connectRate: 400 });
      sim.start();
      await waitUntil('every device to connect', () => sim.progress().devicesConnected === 50);
      await first.kill();
      await waitUntil('the devices of the dead broker to connect to the other', () => sim.progress().devicesConnected === 50 && sim.progress().totals.failovers >= 25, 20_000);
      const report = await sim.stop();
      expect(report.totals.failovers).toBeGreaterThanOrEqual(25);
      expect(report.totals.acknowledged).toBe(report.totals.published);
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
  });
});
