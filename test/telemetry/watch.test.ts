/** `mote watch` against a real mosquitto: decoding, JSON lines, gap and offline flags. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { expect, it } from 'vitest';
import { encodeEnvelope, encodeStatus } from '../../agent/src/telemetry/codec.ts';
import { useMosquitto } from '../support/mosquitto.ts';
import { waitUntil } from './harness.ts';
import { BOOT_ID, envelopeOf, syscountRecord } from '../../bundler/fixtures/telemetry-samples.ts';

const MOTE = fileURLToPath(new URL('../../bundler/cli/mote.mjs', import.meta.url));
const broker = useMosquitto();

const lastWill = encodeStatus({ schemaVersion: 1, deviceId: 'gw-0042', bootId: BOOT_ID, timeMs: 1767225600000, state: 'offline', agentVersion: '0.1.0', release: '6.1.0', machine: 'armv7l' });

/** Runs `mote watch` for four messages: sequences 0, 1, 4 of syscount, then a Last Will. */
async function watch(args: string[]): Promise<{ stdout: string; stderr: string; code: number | null }> {
  const child = spawn(process.execPath, [MOTE, 'watch', '--broker', broker().url, '--device', 'gw-0042', '--count', '4', ...args]);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  await waitUntil('mote watch to subscribe', () => stderr.includes('watching mote/v1/gw-0042/#'), 20_000);
  const publisher = await mqtt.connectAsync(broker().url);
  await publisher.publishAsync('mote/v1/other/telemetry/syscount', Buffer.from(encodeEnvelope(envelopeOf('syscount', syscountRecord, 0))), { qos: 1 });
  for (const sequence of [0, 1, 4]) {
    await publisher.publishAsync('mote/v1/gw-0042/telemetry/syscount', Buffer.from(encodeEnvelope(envelopeOf('syscount', syscountRecord, sequence))), { qos: 1 });
  }
  await publisher.publishAsync('mote/v1/gw-0042/status', Buffer.from(lastWill), { qos: 1 });
  await publisher.endAsync();
  const code = await exited;
  return { stdout, stderr, code };
}

it('prints one decoded message per line with --json, noting the gap', async () => {
  const { stdout, code } = await watch(['--json']);
  expect(code).toBe(0);
  const lines = stdout.trim().split('\n').map((line) => JSON.parse(line));
  expect(lines.map((l) => [l.kind, l.message.sequence, l.note])).toEqual([
    ['telemetry', 0, undefined],
    ['telemetry', 1, undefined],
    ['telemetry', 4, 'GAP: 2 record(s) missing, sequence 2..3'],
    ['status', undefined, undefined],
  ]);
  expect(lines[0].message).toMatchObject({ deviceId: 'gw-0042', bootId: Buffer.from(BOOT_ID).toString('hex'), record: syscountRecord });
  expect(lines[3]).toMatchObject({ topic: 'mote/v1/gw-0042/status', message: { state: 'offline' } });
}, 30_000);

it('prints a table per record and flags gaps and the device going offline', async () => {
  const { stdout, code } = await watch([]);
  expect(code).toBe(0);
  expect(stdout).toMatch(/^gw-0042 syscount 1\.2\.0 {2}seq 0 /m);
  expect(stdout).toMatch(/^ {2}read +1843$/m);
  expect(stdout).toContain('GAP: 2 record(s) missing, sequence 2..3\ngw-0042 syscount 1.2.0  seq 4');
  expect(stdout).toContain('OFFLINE: gw-0042 is OFFLINE; agent 0.1.0; 6.1.0 armv7l; Last Will: the connection was lost');
}, 30_000);

it('explains bad arguments', async () => {
  const child = spawn(process.execPath, [MOTE, 'watch', '--count', 'many']);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  expect(await new Promise((resolve) => child.on('close', resolve))).toBe(2);
  expect(stderr).toBe("mote watch: --count 'many' is not an integer of at least 1; run 'mote watch --help' for usage\n");
}, 30_000);
