/**
 * A broker outage of about 10 s under the real agent, sampling a real module at 1 Hz: mosquitto
 * stops and starts again on the same port. An agent whose outbox holds the outage delivers every
 * record, with no sequence gap; one with a small outbox loses records, and the gaps the subscriber
 * sees add up exactly to the drops its status reports.
 */
import { expect, it } from 'vitest';
import { rootSkipReason } from '../support/agent.ts';
import { useMosquitto } from '../support/mosquitto.ts';
import { Subscriber, waitUntil } from '../telemetry/harness.ts';
import { AgentProcess, gapCount, lastCountedStatus, sequencesOf, STEADY_MODULE } from './support.ts';

const broker = useMosquitto();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const SMALL_OUTBOX = 4;

it.skipIf(rootSkipReason() !== null)('delivers every record after an outage within the outbox bound, and counts exactly what it drops past it', async () => {
  const subscriber = await Subscriber.connect(broker().url, 'mote/v1/+/#');
  const common = ['--broker', broker().url, '--modules', STEADY_MODULE, '--interval-ms', '1000'];
  const roomy = AgentProcess.run([...common, '--device', 'outage-roomy', '--outbox', '100']);
  const cramped = AgentProcess.run([...common, '--device', 'outage-cramped', '--outbox', String(SMALL_OUTBOX)]);
  const agents = [roomy, cramped];
  try {
    await roomy.waitFor('records from both agents', () => ['outage-roomy', 'outage-cramped'].every((d) => sequencesOf(subscriber, d).get(STEADY_MODULE)?.length), 30_000);
    await broker().kill();
    await sleep(10_000);
    // Held while the subscriber comes back, so nothing the agents resend reaches a broker without it.
    for (const agent of agents) agent.signal('SIGSTOP');
    await broker().startAgain();
    await waitUntil('the subscriber back', () => subscriber.client.connected, 20_000);
    await subscriber.client.subscribeAsync('mote/v1/+/#', { qos: 1 });
    for (const agent of agents) agent.signal('SIGCONT');

    await waitUntil('both agents reconnected', () => ['outage-roomy', 'outage-cramped'].every((d) => (lastCountedStatus(subscriber, d)?.counters?.reconnects ?? 0) >= 1), 60_000);
    await sleep(2000);
    for (const agent of agents) agent.signal('SIGTERM');
    for (const agent of agents) expect((await agent.exit()).code).toBe(0);
    await waitUntil('both offline', () => ['outage-roomy', 'outage-cramped'].every((d) => lastCountedStatus(subscriber, d)?.state === 'offline'));
  } finally {
    for (const agent of agents) await agent.kill();
  }

  const roomyFinal = lastCountedStatus(subscriber, 'outage-roomy')!.counters!;
  const roomySeqs = sequencesOf(subscriber, 'outage-roomy');
  expect(roomyFinal).toMatchObject({ dropped: 0, depth: 0 });
  expect(roomySeqs.get(STEADY_MODULE)!.length).toBeGreaterThanOrEqual(10);
  expect(gapCount(roomySeqs)).toBe(0);
  expect(roomySeqs.get(STEADY_MODULE)!.length).toBe(roomyFinal.sent);

  const crampedFinal = lastCountedStatus(subscriber, 'outage-cramped')!.counters!;
  const crampedSeqs = sequencesOf(subscriber, 'outage-cramped');
  expect(crampedFinal.dropped).toBeGreaterThan(0);
  expect(crampedFinal.depth).toBe(0);
  expect(gapCount(crampedSeqs)).toBe(crampedFinal.dropped);
  expect(crampedSeqs.get(STEADY_MODULE)!.length).toBe(crampedFinal.sent);
  await subscriber.close();
}, 120_000);
