/**
 * The durable outbox across SIGKILL while offline, with the real host agent and a real
 * mosquitto: the broker is away, the agent samples into its on-disk outbox (--outbox-dir), gets
 * SIGKILL, the broker comes back and the agent restarts. Every record of the first boot must
 * arrive, sequence 0 to the last one the log holds, with no gap, and then the second boot's own.
 *
 * Once at full length (20 s at 1 Hz), then 20 times with the same number of records made
 * faster (20 records at 100 ms), so that the repetitions stay short in `npm test`.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { decodeEnvelope } from '../../agent/src/telemetry/codec.ts';
import type { Envelope } from '../../agent/src/telemetry/messages.ts';
import { scanSegment } from '../../agent/src/telemetry/log/frame.ts';
import { rootSkipReason } from '../support/agent.ts';
import { useMosquitto } from '../support/mosquitto.ts';
import { STEADY_MODULE, useAgentRuns } from './support.ts';

const broker = useMosquitto();
const { start, subscribe } = useAgentRuns(broker);
const directory = mkdtempSync(join(tmpdir(), 'mote-outbox-sigkill-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** The envelopes the outbox log holds, read as the agent wrote them (a torn tail ends a segment). */
function envelopesOnDisk(dir: string): Envelope[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.log')).sort();
  } catch {
    return [];
  }
  return names.flatMap((name) => scanSegment(readFileSync(join(dir, name))).records.map((r) => decodeEnvelope(r.payload)));
}

async function killedOfflineThenDelivered(run: string, intervalMs: number, records: number): Promise<{ written: number }> {
  const device = `sigkill-${run}`;
  const outbox = join(directory, run);
  const args = ['--device', device, '--modules', STEADY_MODULE, '--interval-ms', String(intervalMs), '--outbox-dir', outbox, '--outbox-fsync', '1000'];
  await broker().kill();
  const offline = start(args);
  await offline.waitFor(`${records} records in the outbox`, () => envelopesOnDisk(outbox).length >= records, records * intervalMs + 30_000);
  offline.signal('SIGKILL');
  expect((await offline.exit()).signal).toBe('SIGKILL');
  const written = envelopesOnDisk(outbox);
  const firstBoot = hex(written[0]!.bootId);
  expect(written.every((e) => hex(e.bootId) === firstBoot)).toBe(true);
  expect(written.map((e) => e.sequence)).toEqual([...written.keys()]);

  await broker().startAgain();
  const subscriber = await subscribe(device);
  const online = start(args);
  const received = () => subscriber.telemetry().filter((e) => e.deviceId === device);
  await online.waitFor('the first boot\'s records and two of the second\'s', () => {
    const boots = received().map((e) => hex(e.bootId));
    return boots.filter((b) => b === firstBoot).length >= written.length && boots.filter((b) => b !== firstBoot).length >= 2;
  }, 30_000);
  online.signal('SIGTERM');
  expect((await online.exit()).code).toBe(0);

  const firstBootSeqs = [...new Set(received().filter((e) => hex(e.bootId) === firstBoot).map((e) => e.sequence))].sort((a, b) => a - b);
  expect(firstBootSeqs).toEqual([...written.keys()]);
  const secondBootSeqs = [...new Set(received().filter((e) => hex(e.bootId) !== firstBoot).map((e) => e.sequence))].sort((a, b) => a - b);
  expect(secondBootSeqs).toEqual([...secondBootSeqs.keys()]);
  // The first boot's records were the log's first, indexes 0 to written - 1: all acknowledged now.
  expect(Number(readFileSync(join(outbox, 'acked'), 'utf8'))).toBeGreaterThanOrEqual(written.length);
  return { written: written.length };
}

it.skipIf(rootSkipReason() !== null)('delivers every record of 20 s at 1 Hz written while offline, across SIGKILL', async () => {
  const { written } = await killedOfflineThenDelivered('1hz', 1000, 20);
  expect(written).toBeGreaterThanOrEqual(20);
}, 120_000);

it.skipIf(rootSkipReason() !== null)('does so 20 times in a row at 100 ms (20 records each)', async () => {
  const counts: number[] = [];
  for (let run = 0; run < 20; run++) counts.push((await killedOfflineThenDelivered(`fast-${run}`, 100, 20)).written);
  console.log(`outbox across SIGKILL: 20 runs, records of the first boot delivered without a gap: ${counts.join(', ')}`);
  expect(counts).toHaveLength(20);
}, 600_000);
