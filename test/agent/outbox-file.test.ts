/**
 * The file-backed outbox (`--outbox-file`) across an agent restart: records made while no broker
 * was reachable are saved at a clean stop, and the next run delivers exactly those (old boot id,
 * sequences from 0 without a gap) before its own; once delivered, the file holds none.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { rootSkipReason } from '../support/agent.ts';
import { decodeWithCbor2 } from '../support/cbor2.ts';
import { freeLoopbackPort, useMosquitto } from '../support/mosquitto.ts';
import { waitUntil } from '../telemetry/harness.ts';
import { STEADY_MODULE, useAgentRuns } from './support.ts';

const broker = useMosquitto();
const { start, subscribe } = useAgentRuns(broker);
const directory = mkdtempSync(join(tmpdir(), 'mote-outbox-file-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** The messages the outbox file holds, as python3-cbor2 reads it: [[topic, payload, qos], ...]. */
function savedMessages(path: string): unknown[] {
  return decodeWithCbor2(readFileSync(path).toString('hex')) as unknown[];
}

it.skipIf(rootSkipReason() !== null)('keeps undelivered records in the file across a restart and delivers them first', async () => {
  const device = 'outbox-file';
  const file = join(directory, 'outbox.cbor');
  const args = ['--device', device, '--modules', STEADY_MODULE, '--outbox-file', file, '--status-interval-ms', '500'];
  const nobody = `mqtt://127.0.0.1:${await freeLoopbackPort()}`;
  const offline = start([...args, '--broker', nobody]);
  await waitUntil('three records saved', () => {
    try {
      return savedMessages(file).length >= 3;
    } catch {
      return false;
    }
  }, 30_000);
  offline.signal('SIGTERM');
  expect((await offline.exit()).code).toBe(0);
  const saved = savedMessages(file);
  expect(saved.every((m) => Array.isArray(m) && m[0] === `mote/v1/${device}/telemetry/${STEADY_MODULE}` && m[2] === 1)).toBe(true);

  const subscriber = await subscribe(device);
  const online = start(args);
  await waitUntil('the saved records and new ones', () => new Set(subscriber.telemetry().map((e) => Buffer.from(e.bootId).toString('hex'))).size === 2, 30_000);
  online.signal('SIGTERM');
  expect((await online.exit()).code).toBe(0);
  const [firstBoot] = subscriber.telemetry().map((e) => Buffer.from(e.bootId).toString('hex'));
  const restored = subscriber.telemetry().filter((e) => Buffer.from(e.bootId).toString('hex') === firstBoot);
  expect(restored.map((e) => e.sequence)).toEqual(saved.map((_, i) => i));
  expect(savedMessages(file)).toEqual([]);
}, 90_000);
