/**
 * The telemetry bundle, built as for QuickJS, runs in a V8 context that has only ES2022 globals:
 * no Buffer, process, setTimeout, TextEncoder or console. Its transport and timers come from
 * outside, as the `Sys` binding will give them, and it publishes to a real mosquitto.
 */
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { expect, it } from 'vitest';
import { bundleForQuickJs } from '../../bundler/build/quickjs-bundle.ts';
import { useMosquitto } from '../support/mosquitto.ts';
import { checkWithCbor2 } from '../support/cbor2.ts';
import { Subscriber, waitUntil } from './harness.ts';
import { NetTransport } from './net-transport.ts';
import { MemoryLogger, nodeClock, nodeTimers } from './node-runtime.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const broker = useMosquitto();

it('publishes from a context without Node globals', async () => {
  const source = `export { Telemetry } from './agent/src/telemetry/telemetry.ts'; export { Outbox } from './agent/src/telemetry/outbox.ts';`;
  const bundle = await bundleForQuickJs('telemetry', source, repoRoot, 'agent+shims', 'mote');
  const context = vm.createContext({});
  vm.runInContext('delete globalThis.console', context);
  const globals = vm.runInContext('[typeof Buffer, typeof process, typeof setTimeout, typeof TextEncoder, typeof console].join()', context);
  expect(globals).toBe('undefined,undefined,undefined,undefined,undefined');
  vm.runInContext(bundle.code, context);

  const subscriber = await Subscriber.connect(broker().url, 'mote/v1/dev-bare/#');
  const log = new MemoryLogger();
  context.host = { transport: new NetTransport('127.0.0.1', broker().port), timers: nodeTimers, clock: nodeClock, log };
  const publish = vm.runInContext(
    `const telemetry = new mote.Telemetry({
       deviceId: 'dev-bare', bootId: new Uint8Array(16).fill(9), agentVersion: '0.1.0', release: '6.1.0', machine: 'armv7l',
       transport: host.transport, timers: host.timers, clock: host.clock, log: host.log, random: Math.random,
       outbox: new mote.Outbox(16),
     });
     telemetry.start();
     ({
       record: (n) => telemetry.publish('syscount', '1.2.0', { startMs: n * 1000, lengthMs: 1000 }, { kind: 'counter', deltas: [['read', n], [['write', 1], 2 ** 40]] }),
       stop: () => telemetry.stop(),
     })`,
    context,
  ) as { record(n: number): number; stop(): Promise<void> };

  await waitUntil('online status', () => subscriber.statuses('dev-bare').length > 0);
  expect([publish.record(1), publish.record(2)]).toEqual([0, 1]);
  await waitUntil('two records', () => subscriber.telemetry().length === 2);
  await publish.stop();
  await waitUntil('offline status', () => subscriber.statuses('dev-bare').some((s) => s.state === 'offline'));
  const payloads = subscriber.messages.filter((m) => m.envelope).map((m): ['telemetry', Uint8Array] => ['telemetry', m.payload]);
  expect(checkWithCbor2(payloads).map((v) => v.ok && v.summary.sequence)).toEqual([0, 1]);
  expect(subscriber.telemetry()[1]!.record).toEqual({ kind: 'counter', deltas: [['read', 2], [['write', 1], 2 ** 40]] });
  expect(log.lines.some((l) => l.startsWith('info: mqtt: connected'))).toBe(true);
  await subscriber.close();
});
