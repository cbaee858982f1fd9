/** An agent process killed with SIGKILL: mosquitto publishes its Last Will, the status reads offline. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { useMosquitto } from '../support/mosquitto.ts';
import { checkWithCbor2 } from '../support/cbor2.ts';
import { Subscriber, waitUntil } from './harness.ts';

const broker = useMosquitto();

it('has mosquitto publish the offline Last Will when the agent is killed, and retain it', async () => {
  const device = 'dev-killed';
  const subscriber = await Subscriber.connect(broker().url, `mote/v1/${device}/#`);
  const agentProcess = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./agent-process.ts', import.meta.url)), String(broker().port), device], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    await waitUntil('online status', () => subscriber.statuses(device).some((s) => s.state === 'online'), 20_000);
    await waitUntil('a record', () => subscriber.telemetry().length > 0, 20_000);
  } finally {
    agentProcess.kill('SIGKILL');
  }
  await waitUntil('the Last Will', () => subscriber.statuses(device).some((s) => s.state === 'offline'));
  const will = subscriber.messages.find((m) => m.status?.state === 'offline')!;
  expect(will.status).toMatchObject({ deviceId: device, agentVersion: '0.1.0-test', machine: 'armv7l' });
  expect(will.status!.counters).toBeUndefined();
  await subscriber.close();

  const late = await Subscriber.connect(broker().url, `mote/v1/${device}/status`);
  await waitUntil('the retained status', () => late.messages.length === 1);
  expect(late.messages[0]).toMatchObject({ retain: true, status: { state: 'offline' } });
  expect(checkWithCbor2([['status', late.messages[0]!.payload]])[0]).toMatchObject({ ok: true, summary: { state: 'offline' } });
  await late.close();
}, 40_000);
