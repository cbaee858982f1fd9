/**
 * A broker outage of about 10 s under the real agent, sampling a real module: mosquitto stops and
 * starts again on the same port. An agent whose outbox holds the outage delivers every record,
 * with no sequence gap; one with a small outbox loses records, and the gaps the subscriber sees
 * add up exactly to the drops its status reports. Four agents: an outbox in memory at 1 Hz, and a
 * durable outbox (--outbox-dir) at 20 Hz, so that its backlog of about 200 records passes the 64
 * it keeps as entries and the rest is held as runs of the on-disk log and read back from it;
 * each roomy, and cramped by its bound.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { rootSkipReason } from '../support/agent.ts';
import { useMosquitto } from '../support/mosquitto.ts';
import { Subscriber, waitUntil } from '../telemetry/harness.ts';
import { AgentProcess, gapCount, lastCountedStatus, sequencesOf, STEADY_MODULE } from './support.ts';

const broker = useMosquitto();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const SMALL_OUTBOX = 4;
/** Holds a few dozen syscount records at most: the outage's backlog passes it. */
const SMALL_OUTBOX_BYTES = 64 * 1024;
const directory = mkdtempSync(join(tmpdir(), 'mote-outage-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
const DEVICES = ['outage-roomy', 'outage-cramped', 'outage-disk', 'outage-disk-cramped'];

it.skipIf(rootSkipReason() !== null)('delivers every record after an outage within the outbox bound, and counts exactly what it drops past it', async () => {
  const subscriber = await Subscriber.connect(broker().url, 'mote/v1/+/#');
  const common = ['--broker', broker().url, '--modules', STEADY_MODULE, '--interval-ms', '1000'];
  const roomy = AgentProcess.run([...common, '--device', 'outage-roomy', '--outbox', '100']);
  const cramped = AgentProcess.run([...common, '--device', 'outage-cramped', '--outbox', String(SMALL_OUTBOX)]);
  const fast = ['--broker', broker().url, '--modules', STEADY_MODULE, '--interval-ms', '50'];
  const disk = AgentProcess.run([...fast, '--device', 'outage-disk', '--outbox-dir', join(directory, 'roomy')]);
  const diskCramped = AgentProcess.run([...fast, '--device', 'outage-disk-cramped', '--outbox-dir', join(directory, 'cramped'), '--outbox-bytes', String(SMALL_OUTBOX_BYTES)]);
  const agents = [roomy, cramped, disk, diskCramped];
  try {
    await roomy.waitFor('records from every agent', () => DEVICES.every((d) => sequencesOf(subscriber, d).get(STEADY_MODULE)?.length), 30_000);
    await broker().kill();
    await sleep(10_000);
    // Held while the subscriber comes back, so nothing the agents resend reaches a broker without it.
    for (const agent of agents) agent.signal('SIGSTOP');
    await broker().startAgain();
    await waitUntil('the subscriber back', () => subscriber.client.connected, 20_000);
    await subscriber.client.subscribeAsync('mote/v1/+/#', { qos: 1 });
    for (const agent of agents) agent.signal('SIGCONT');

    await waitUntil('every agent reconnected', () => DEVICES.every((d) => (lastCountedStatus(subscriber, d)?.counters?.reconnects ?? 0) >= 1), 60_000);
    await sleep(2000);
    for (const agent of agents) agent.signal('SIGTERM');
    for (const agent of agents) expect((await agent.exit()).code).toBe(0);
    await waitUntil('every agent offline', () => DEVICES.every((d) => lastCountedStatus(subscriber, d)?.state === 'offline'));
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

  const diskFinal = lastCountedStatus(subscriber, 'outage-disk')!.counters!;
  const diskSeqs = sequencesOf(subscriber, 'outage-disk');
  expect(diskFinal).toMatchObject({ dropped: 0, depth: 0 });
  expect(diskSeqs.get(STEADY_MODULE)!.length).toBeGreaterThanOrEqual(200);
  expect(gapCount(diskSeqs)).toBe(0);
  expect(diskSeqs.get(STEADY_MODULE)!.length).toBe(diskFinal.sent);

  const diskCrampedFinal = lastCountedStatus(subscriber, 'outage-disk-cramped')!.counters!;
  const diskCrampedSeqs = sequencesOf(subscriber, 'outage-disk-cramped');
  expect(diskCrampedFinal.dropped).toBeGreaterThan(0);
  expect(diskCrampedFinal.depth).toBe(0);
  expect(gapCount(diskCrampedSeqs)).toBe(diskCrampedFinal.dropped);
  expect(diskCrampedSeqs.get(STEADY_MODULE)!.length).toBe(diskCrampedFinal.sent);
  await subscriber.close();
}, 120_000);
