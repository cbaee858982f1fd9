/**
 * Telemetry benchmark: payload bytes of each record kind in CBOR against the same content as
 * JSON, encode cost per record, and the bundle bytes an MQTT client adds for QuickJS. Prints
 * numbers only; run with `npx tsx bundler/bench/telemetry.ts`.
 */
import { fileURLToPath } from 'node:url';
import { encodeEnvelope } from '../../agent/src/telemetry/codec.ts';
import type { Envelope } from '../../agent/src/telemetry/messages.ts';
import { allRecords, envelopeOf } from '../fixtures/telemetry-samples.ts';
import { bundleForQuickJs, type Resolution } from '../build/quickjs-bundle.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** The envelope as a JSON publisher would send it: named fields, boot id in hex. */
function asJson(envelope: Envelope): string {
  return JSON.stringify({ ...envelope, bootId: Buffer.from(envelope.bootId).toString('hex') });
}

function microsecondsPerEncode(envelope: Envelope, encode: (e: Envelope) => unknown): number {
  const rounds = 20_000;
  for (let i = 0; i < 2_000; i++) encode(envelope);
  const start = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) encode({ ...envelope, sequence: i });
  return Number(process.hrtime.bigint() - start) / 1000 / rounds;
}

function payloadTable(): void {
  console.log('payload bytes, CBOR against the same content as JSON (target <= 45%), and encode cost (Node, V8)');
  console.log(`${'module'.padEnd(12)} ${'kind'.padEnd(10)} ${'CBOR'.padStart(6)} ${'JSON'.padStart(6)} ${'ratio'.padStart(6)} ${'CBOR us'.padStart(8)} ${'JSON us'.padStart(8)}`);
  let cborTotal = 0;
  let jsonTotal = 0;
  for (const [module, record] of allRecords) {
    const envelope = envelopeOf(module, record);
    const cbor = encodeEnvelope(envelope).length;
    const json = Buffer.byteLength(asJson(envelope));
    cborTotal += cbor;
    jsonTotal += json;
    const cborUs = microsecondsPerEncode(envelope, encodeEnvelope);
    const jsonUs = microsecondsPerEncode(envelope, asJson);
    console.log(
      `${module.padEnd(12)} ${record.kind.padEnd(10)} ${String(cbor).padStart(6)} ${String(json).padStart(6)} ${`${((cbor / json) * 100).toFixed(0)}%`.padStart(6)} ${cborUs.toFixed(2).padStart(8)} ${jsonUs.toFixed(2).padStart(8)}`,
    );
  }
  console.log(`${'all'.padEnd(23)} ${String(cborTotal).padStart(6)} ${String(jsonTotal).padStart(6)} ${`${((cborTotal / jsonTotal) * 100).toFixed(0)}%`.padStart(6)}`);
}

const CANDIDATES: Array<[string, string, Resolution]> = [
  ['MQTT.js MqttClient (browser polyfills)', "import MqttClient from 'mqtt/lib/client'; globalThis.keep = MqttClient;", 'browser-fields'],
  ['mqtt-packet + MqttSession (browser polyfills)', "import { MqttSession } from './agent/src/telemetry/session.ts'; globalThis.keep = MqttSession;", 'browser-fields'],
  ['mqtt-packet + MqttSession (QuickJS shims)', "import { MqttSession } from './agent/src/telemetry/session.ts'; globalThis.keep = MqttSession;", 'agent+shims'],
  ['CBOR codec alone (cbor-x)', "import * as codec from './agent/src/telemetry/codec.ts'; globalThis.keep = codec;", 'agent'],
  ['all of telemetry (QuickJS shims)', "import { Telemetry } from './agent/src/telemetry/telemetry.ts'; globalThis.keep = Telemetry;", 'agent+shims'],
];

async function bundleTable(): Promise<void> {
  console.log('\nbundle bytes for QuickJS (esbuild, ES2022, minified)');
  for (const [name, source, resolution] of CANDIDATES) {
    const size = await bundleForQuickJs(name, source, repoRoot, resolution);
    const largest = Object.entries(size.byPackage)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([pkg, bytes]) => `${pkg} ${(bytes / 1024).toFixed(1)}K`)
      .join(', ');
    console.log(`${name.padEnd(46)} ${String(size.bytes).padStart(7)} B  gzip ${String(size.gzipBytes).padStart(6)} B  (${largest})`);
  }
}

payloadTable();
await bundleTable();
