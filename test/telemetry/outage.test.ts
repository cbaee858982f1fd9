/**
 * A 10 s broker outage while two agents publish at 1 Hz: one whose outbox holds the whole outage
 * (every record arrives, no sequence gap) and one whose outbox is too small (the gaps the consumer
 * sees add up exactly to the drops the agent reports).
 */
import { expect, it } from 'vitest';
import { Outbox } from '../../agent/src/telemetry/outbox.ts';
import type { Status } from '../../agent/src/telemetry/messages.ts';
import { useMosquitto } from '../support/mosquitto.ts';
import { startAgent, Subscriber, waitUntil, type TestAgent } from './harness.ts';
import { execRecord, latencyRecord, syscountRecord } from '../../bundler/fixtures/telemetry-samples.ts';

const broker = useMosquitto();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function sampleOnce(agents: TestAgent[], tick: number): void {
  const window = { startMs: tick * 1000, lengthMs: 1000 };
  for (const agent of agents) {
    agent.telemetry.publish('syscount', '1.2.0', window, syscountRecord);
    agent.telemetry.publish('runqlat', '1.0.0', window, latencyRecord);
    agent.telemetry.publish('execsnoop', '1.0.0', window, execRecord);
  }
}

/** Sequence numbers received per module, duplicates (DUP resends) removed. */
/** The offline status an agent published on its clean stop (not a Last Will: it has counters). */
function finalStatus(subscriber: Subscriber, device: string): Status | undefined {
  return subscriber.statuses(device).find((s) => s.state === 'offline' && s.counters);
}

function sequences(subscriber: Subscriber, device: string): Map<string, number[]> {
  const byModule = new Map<string, Set<number>>();
  for (const envelope of subscriber.telemetry().filter((e) => e.deviceId === device)) {
    if (!byModule.has(envelope.module)) byModule.set(envelope.module, new Set());
    byModule.get(envelope.module)!.add(envelope.sequence);
  }
  return new Map([...byModule].map(([module, seqs]) => [module, [...seqs].sort((a, b) => a - b)]));
}

it('delivers every record after an outage within the outbox bound, and counts exactly what it drops past it', async () => {
  const subscriber = await Subscriber.connect(broker().url, 'mote/v1/+/#');
  const roomy = startAgent(broker().port, 'dev-roomy', { outbox: new Outbox(64) });
  const cramped = startAgent(broker().port, 'dev-cramped', { outbox: new Outbox(9) });
  const agents = [roomy, cramped];
  await waitUntil('both agents online', () => agents.every((a) => a.telemetry.session.connected));

  let tick = 0;
  for (; tick < 2; tick++, await sleep(1000)) sampleOnce(agents, tick);
  await broker().kill();
  for (let outageTick = 0; outageTick < 10; outageTick++, tick++, await sleep(1000)) sampleOnce(agents, tick);
  expect(roomy.outbox.depth).toBe(30);
  expect(cramped.outbox.dropped).toBe(21);

  // The agents stay off the network until the subscriber is back and subscribed again.
  for (const agent of agents) agent.transport.unreachable = true;
  await broker().startAgain();
  await waitUntil('the subscriber back', () => subscriber.client.connected);
  await subscriber.client.subscribeAsync('mote/v1/+/#', { qos: 1 });
  for (const agent of agents) agent.transport.unreachable = false;
  for (let after = 0; after < 2; after++, tick++, await sleep(1000)) sampleOnce(agents, tick);
  await waitUntil('both outboxes empty', () => agents.every((a) => a.outbox.depth === 0 && a.telemetry.session.connected), 20_000);
  for (const agent of agents) await agent.telemetry.stop();
  await waitUntil('both offline statuses', () => ['dev-roomy', 'dev-cramped'].every((d) => finalStatus(subscriber, d)));

  const everySequence = Array.from({ length: tick }, (_, i) => i);
  const roomySeqs = sequences(subscriber, 'dev-roomy');
  for (const module of ['syscount', 'runqlat', 'execsnoop']) expect(roomySeqs.get(module)).toEqual(everySequence);
  const roomyStatus = finalStatus(subscriber, 'dev-roomy')!;
  expect(roomyStatus.counters).toMatchObject({ sent: 3 * tick, dropped: 0, depth: 0 });
  expect(roomyStatus.counters!.reconnects).toBeGreaterThanOrEqual(1);

  const crampedSeqs = sequences(subscriber, 'dev-cramped');
  const gaps = [...crampedSeqs.values()].reduce((sum, seqs) => sum + (tick - seqs.length), 0);
  const crampedStatus = finalStatus(subscriber, 'dev-cramped')!;
  expect(crampedStatus.counters!.dropped).toBeGreaterThanOrEqual(21);
  expect(gaps).toBe(crampedStatus.counters!.dropped);
  expect(crampedStatus.counters!.sent + crampedStatus.counters!.dropped).toBe(3 * tick);
  for (const seqs of crampedSeqs.values()) expect(seqs.at(-1)).toBe(tick - 1);
  await subscriber.close();
}, 60_000);
