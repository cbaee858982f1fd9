/**
 * `mote-agent bench-encode <records.json> [--rounds N] [--json]`: what one telemetry record costs
 * this device's CPU. Each record (a JSON array of `[module, record]` in the readable form of
 * sample/decode/records.ts) is wrapped in an envelope and encoded to CBOR `rounds` times (with room
 * for the MQTT header in front), then framed as an MQTT PUBLISH around that payload, timed on
 * CLOCK_MONOTONIC. The same code `run` uses.
 */
import type { Sys } from '../sys/types.ts';
import { encodeEnvelope } from '../telemetry/codec.ts';
import type { Envelope } from '../telemetry/messages.ts';
import { telemetryTopic } from '../telemetry/topics.ts';
import { publishFrame, publishHeadroom, withHeadroom } from '../telemetry/publish-frame.ts';
import { ArgumentError, numberOption, parseAgentArgs } from './args.ts';
import type { AgentCommand } from './command.ts';
import { decodeUtf8 } from '../bytes/utf8.ts';
import { type TelemetryRecord } from '../sample/decode/records.ts';

const USAGE = 'usage: mote-agent bench-encode <records.json> [--rounds N] [--json]';

export interface EncodeCost {
  module: string;
  kind: string;
  bytes: number;
  /** Microseconds per envelope encoded to CBOR. */
  encodeUs: number;
  /** Microseconds per PUBLISH packet framed around the payload. */
  packetUs: number;
}

/** A nanosecond clock: the binding's CLOCK_MONOTONIC on the device, hrtime under Node. */
type NanoClock = Pick<Sys, 'monotonicNs'>;

function microsecondsPer(clock: NanoClock, rounds: number, step: (round: number) => void): number {
  for (let i = 0; i < Math.max(1, rounds / 10); i++) step(i);
  const start = clock.monotonicNs();
  for (let i = 0; i < rounds; i++) step(i);
  return Number(clock.monotonicNs() - start) / 1000 / rounds;
}

/** One boot id for every envelope, as `run` has. */
const BOOT_ID = new Uint8Array(16).fill(7);

function envelopeOf(module: string, record: TelemetryRecord, sequence: number): Envelope {
  return {
    schemaVersion: 1, deviceId: 'bench-device', bootId: BOOT_ID, sequence, timeMs: 1767225600000,
    module, moduleVersion: '1', window: { startMs: 5_400_000, lengthMs: 1000 }, record,
  };
}

/** The cost of one record, measured by the same code on any engine (the bench runs it under Node too). */
export function measureEncodeCost(clock: NanoClock, module: string, record: TelemetryRecord, rounds: number): EncodeCost {
  const topic = telemetryTopic('bench-device', module);
  const headroom = publishHeadroom(topic);
  const payload = withHeadroom(encodeEnvelope(envelopeOf(module, record, 41), headroom), headroom);
  return {
    module,
    kind: record.kind,
    bytes: payload.length,
    encodeUs: microsecondsPer(clock, rounds, (i) => encodeEnvelope(envelopeOf(module, record, i), headroom)),
    packetUs: microsecondsPer(clock, rounds, (i) => publishFrame({ topic, payload, qos: 1, dup: false, retain: false, packetId: (i % 0xffff) + 1, protocolVersion: 4 })),
  };
}

function readRecords(sys: Sys, path: string): Array<[string, TelemetryRecord]> {
  const value: unknown = JSON.parse(decodeUtf8(sys.readFile(path)));
  if (!Array.isArray(value) || !value.every((item) => Array.isArray(item) && typeof item[0] === 'string' && typeof item[1] === 'object')) {
    throw new ArgumentError(`bench-encode: ${path} must hold a JSON array of [module, record]`);
  }
  return value as Array<[string, TelemetryRecord]>;
}

export const benchEncodeCommand: AgentCommand = {
  name: 'bench-encode',
  summary: 'measure the CPU cost of encoding telemetry records on this device',
  run(sys, args) {
    const parsed = parseAgentArgs('bench-encode', args, { rounds: { value: true }, json: {}, help: {} });
    if (parsed.options.help || parsed.positionals.length !== 1) {
      print(USAGE);
      return parsed.options.help ? 0 : 2;
    }
    const rounds = Math.max(1, Math.floor(numberOption('bench-encode', parsed, 'rounds', 2000)));
    const costs = readRecords(sys, parsed.positionals[0]!).map(([module, record]) => measureEncodeCost(sys, module, record, rounds));
    if (parsed.options.json) {
      print(JSON.stringify({ machine: sys.uname().machine, rounds, costs }));
      return 0;
    }
    for (const c of costs) print(`${c.module.padEnd(12)} ${c.kind.padEnd(10)} ${String(c.bytes).padStart(5)} B  encode ${c.encodeUs.toFixed(1).padStart(7)} us  publish packet ${c.packetUs.toFixed(1).padStart(7)} us`);
    return 0;
  },
};
