/**
 * `mote serve` benchmark: 1,000 simulated devices, each with a status and the records of the
 * built-in modules' kinds (bundler/fixtures/telemetry-samples.ts) as real CBOR envelopes. Measures
 * the records per second one process ingests on one core (decode, dedupe, inventory, history,
 * Prometheus metrics), against cbor-x decoding the same payloads alone in the same run, and the
 * heap per device and per series. Targets: at least 20,000 records/s, at most 2 KiB per series.
 * Run with `mote bench serve`.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { decodePlain } from '../../agent/src/telemetry/cbor.ts';
import { encodeEnvelope, encodeStatus } from '../../agent/src/telemetry/codec.ts';
import type { FleetEvent, FleetEventSink } from '../ingest/fleet-events.ts';
import { Ingest } from '../ingest/ingest.ts';
import { FleetMetrics } from '../metrics/fleet-metrics.ts';
import { allRecords, BOOT_ID, envelopeOf } from '../fixtures/telemetry-samples.ts';
import { History } from '../store/history.ts';
import { Inventory } from '../store/inventory.ts';

const DEVICES = 1000;
const ROUNDS = 10;
const TARGET_RECORDS_PER_S = 20_000;
const TARGET_BYTES_PER_SERIES = 2048;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
function heapBytes(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

const deviceId = (i: number) => `bench-${String(i).padStart(4, '0')}`;
const statuses = Array.from({ length: DEVICES }, (_, i) => {
  const device = deviceId(i);
  const modules = allRecords.map(([name]) => ({ name, version: '1', variant: 'tracepoint' }));
  const payload = encodeStatus({ schemaVersion: 1, deviceId: device, bootId: BOOT_ID, timeMs: 1, state: 'online', agentVersion: '0.1.0', release: '6.1.0-31-armmp-lpae', machine: 'armv7l', modules, counters: { sent: 1, dropped: 0, reconnects: 0, depth: 0 } });
  return [`mote/v1/${device}/status`, payload] as const;
});
const records: Array<readonly [string, Uint8Array]> = [];
for (let round = 0; round < ROUNDS; round++) {
  for (let i = 0; i < DEVICES; i++) {
    for (const [module, record] of allRecords) {
      const envelope = { ...envelopeOf(module, record, round), deviceId: deviceId(i) };
      records.push([`mote/v1/${deviceId(i)}/telemetry/${module}`, encodeEnvelope(envelope)]);
    }
  }
}
const payloadBytes = records.reduce((sum, [, payload]) => sum + payload.length, 0);

// Reference: cbor-x decoding the same payloads, nothing else.
const referenceStart = process.hrtime.bigint();
for (const [, payload] of records) decodePlain(payload);
const referenceS = Number(process.hrtime.bigint() - referenceStart) / 1e9;

const emptyHeap = heapBytes();
const inventory = new Inventory(DEVICES * 2);
const history = new History({ historyMinutes: 60, seriesPerModule: 200, maxSeries: 1_000_000, archOf: (device) => inventory.arch(device) });
const metrics = new FleetMetrics({ seriesCap: 200 });
const sinks: FleetEventSink[] = [inventory, history, metrics];
const ingest = new Ingest({ accept: (event: FleetEvent) => sinks.forEach((sink) => sink.accept(event)) }, { log: () => {}, limits: { maxDevices: DEVICES * 2 } });
for (const [topic, payload] of statuses) ingest.accept(topic, payload, true);
const devicesHeap = heapBytes();

const ingestStart = process.hrtime.bigint();
for (const [topic, payload] of records) ingest.accept(topic, payload, false);
const ingestS = Number(process.hrtime.bigint() - ingestStart) / 1e9;
const storeHeap = heapBytes();
const exposition = (await metrics.metrics()).length;

const perSecond = (seconds: number) => records.length / seconds;
const verdict = (ok: boolean) => (ok ? 'meets the target' : 'MISSES the target');
const { badInput, lostRecords } = inventory.totals();
console.log(`${DEVICES} devices x ${allRecords.length} modules (${allRecords.map(([m, r]) => `${m}:${r.kind}`).join(', ')}) x ${ROUNDS} rounds = ${records.length} records, ${(payloadBytes / records.length).toFixed(0)} B each on average; bad input ${badInput}, lost ${lostRecords}`);
console.log(`${'path'.padEnd(58)} ${'records/s'.padStart(10)} ${'x cbor-x'.padStart(9)}`);
console.log(`${'cbor-x decode alone (reference)'.padEnd(58)} ${perSecond(referenceS).toFixed(0).padStart(10)} ${'1.00'.padStart(9)}`);
console.log(`${'ingest: decode, dedupe, inventory, history, metrics'.padEnd(58)} ${perSecond(ingestS).toFixed(0).padStart(10)} ${(referenceS / ingestS).toFixed(2).padStart(9)}  ${verdict(perSecond(ingestS) >= TARGET_RECORDS_PER_S)} (>= ${TARGET_RECORDS_PER_S} records/s on one core)`);
const series = history.totalSeries;
const perSeries = (storeHeap - devicesHeap) / series;
console.log(`heap per device (inventory, dedupe, metrics info): ${((devicesHeap - emptyHeap) / DEVICES / 1024).toFixed(2)} KiB`);
console.log(`heap per series (history and metrics together, ${series} history series, /metrics ${(exposition / 1024 / 1024).toFixed(1)} MiB of text): ${(perSeries / 1024).toFixed(2)} KiB  ${verdict(perSeries <= TARGET_BYTES_PER_SERIES)} (<= 2 KiB)`);
