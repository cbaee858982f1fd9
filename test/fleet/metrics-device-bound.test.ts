/**
 * The metrics keep at most `maxDevices` devices: a stream of new device ids makes the least
 * recently heard one forgotten, every series of it gone (counters, gauges, histogram buckets,
 * agent info), while the devices heard from since keep theirs, and promtool still has nothing
 * to say about the output.
 */
import { spawnSync } from 'node:child_process';
import { expect, it } from 'vitest';
import type { Status } from '../../agent/src/telemetry/messages.ts';
import { allRecords, BOOT_ID, envelopeOf } from '../../bundler/fixtures/telemetry-samples.ts';
import { FleetMetrics } from '../../bundler/metrics/fleet-metrics.ts';

const status = (device: string): Status => ({
  schemaVersion: 1, deviceId: device, bootId: BOOT_ID, timeMs: 0, state: 'online', agentVersion: '0.1.0', release: '6.1.0', machine: 'armv7l',
  counters: { sent: 10, dropped: 0, reconnects: 0, depth: 1 },
});

/** The devices named by any series of the exposition. */
function devicesIn(text: string): string[] {
  return [...new Set([...text.matchAll(/device="([^"]*)"/g)].map((match) => match[1]!))].sort();
}

it('forgets the least recently heard device past maxDevices, with every series of it', async () => {
  const metrics = new FleetMetrics({ seriesCap: 50, maxDevices: 3 });
  const feed = (device: string) => {
    metrics.accept({ kind: 'status', device, status: status(device), retained: false, receivedMs: 0 });
    for (const [module, record] of allRecords) metrics.accept({ kind: 'telemetry', device, envelope: { ...envelopeOf(module, record), deviceId: device }, receivedMs: 0 });
    metrics.accept({ kind: 'lost', device, module: 'syscount', count: 2, receivedMs: 0 });
  };
  for (const device of ['d1', 'd2', 'd3']) feed(device);
  expect(devicesIn(await metrics.metrics())).toEqual(['d1', 'd2', 'd3']);

  feed('d1'); // d1 is heard again: d2 is now the least recent
  feed('d4');
  await new Promise((resolve) => setImmediate(resolve));
  const text = await metrics.metrics();
  expect(devicesIn(text)).toEqual(['d1', 'd3', 'd4']);
  expect(text).toMatch(/_bucket\{le="[^"]+",device="d4"/);

  const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  expect(check.error, "promtool comes with Debian's prometheus: run 'npm run setup'").toBeUndefined();
  expect(`${check.stdout}${check.stderr}`).toBe('');
});
