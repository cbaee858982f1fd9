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

  /** An agent whose outbox held the outage: every record arrived, at least `atLeast`, with no gap. */
  const expectEveryRecord = (device: string, atLeast: number) => {
    const final = lastCountedStatus(subscriber, device)!.counters!;
    const seqs = sequencesOf(subscriber, device);
    expect(final).toMatchObject({ dropped: 0, depth: 0 });
    expect(seqs.get(STEADY_MODULE)!.length).toBeGreaterThanOrEqual(atLeast);
    expect(gapCount(seqs)).toBe(0);
    expect(seqs.get(STEADY_MODULE)!.length).toBe(final.sent);
  };
  /** An agent whose outbox overflowed: the gaps add up exactly to the drops it reported. */
  const expectGapsAreDrops = (device: string) => {
    const final = lastCountedStatus(subscriber, device)!.counters!;
    const seqs = sequencesOf(subscriber, device);
    expect(final.dropped).toBeGreaterThan(0);
    expect(final.depth).toBe(0);
    expect(gapCount(seqs)).toBe(final.dropped);
    expect(seqs.get(STEADY_MODULE)!.length).toBe(final.sent);
  };
  expectEveryRecord('outage-roomy', 10);
  expectGapsAreDrops('outage-cramped');
  expectEveryRecord('outage-disk', 200);
  expectGapsAreDrops('outage-disk-cramped');
  await subscriber.close();
}, 120_000);
