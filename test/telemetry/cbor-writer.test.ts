/**
 * The per-record wire path against its references: envelopes written by cbor-writer.ts are byte
 * for byte what cbor-x writes for the same envelope built as a tree (random records of every
 * kind, with integers at every head boundary, past 2^53 and negative, floats, non-ASCII and long
 * texts, repeated and composite keys); PUBLISH packets framed around a payload are byte for byte
 * what mqtt-packet generates, and a payload made with headroom is framed in place, without a copy.
 */
import { Buffer } from 'node:buffer';
import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { encodeEnvelope } from '../../agent/src/telemetry/codec.ts';
import { publishFrame, publishHeadroom, withHeadroom } from '../../agent/src/telemetry/publish-frame.ts';
import type { Key, TelemetryRecord, Value } from '../../agent/src/sample/decode/records.ts';
import { allRecords, envelopeOf } from '../../bundler/fixtures/telemetry-samples.ts';
import { referenceEnvelope } from '../support/wire-reference.ts';
import { inputSeed, randomInt, runSeed, seededRandom, type Random } from '../support/fuzz/seeded-random.ts';

const INTEGERS = [
  0, 1, 23, 24, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, 2 ** 53, 2 ** 60, 2 ** 64 - 2 ** 11,
  -1, -24, -25, -256, -257, -65536, -65537, -(2 ** 32), -(2 ** 32) - 1, -(2 ** 53), -(2 ** 60) - 2 ** 8, -(2 ** 64) + 2 ** 11,
];
const FLOATS = [0.5, -2.25, 1e-300, 123456.789, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0];
const TEXTS = ['', 'a', 'x'.repeat(23), 'y'.repeat(24), 'z'.repeat(300), 'w'.repeat(70_000), 'é', 'mote-€', '日本語のテキスト', '🐝 bee'];

function pick<T>(random: Random, list: readonly T[]): T {
  return list[randomInt(random, list.length)]!;
}

function number(random: Random): number {
  const roll = random();
  if (roll < 0.5) return pick(random, INTEGERS);
  if (roll < 0.7) return pick(random, FLOATS);
  return randomInt(random, 5000);
}

function key(random: Random): Key {
  const roll = randomInt(random, 4);
  if (roll === 0) return pick(random, TEXTS.slice(0, 9));
  if (roll === 1) return pick(random, INTEGERS);
  if (roll === 2) return `k${randomInt(random, 6)}`;
  return Array.from({ length: 1 + randomInt(random, 3) }, () => (random() < 0.5 ? pick(random, INTEGERS) : pick(random, TEXTS.slice(0, 9))));
}

function value(random: Random): Value {
  switch (randomInt(random, 6)) {
    case 0: return number(random);
    case 1: return pick(random, TEXTS);
    case 2: return BigInt.asIntN(64, BigInt(pick(random, INTEGERS)) * 3n + 1n);
    case 3: return random() < 0.5;
    case 4: return null;
    default: return Uint8Array.from({ length: randomInt(random, 40) }, () => randomInt(random, 256));
  }
}

const list = <T>(random: Random, most: number, make: () => T): T[] => Array.from({ length: randomInt(random, most) }, make);

function record(random: Random): TelemetryRecord {
  const pairs = () => list(random, 30, (): [Key, number] => [key(random), number(random)]);
  const buckets = () => list(random, 30, () => (random() < 0.4 ? 0 : pick(random, [1, 2, 300, 2 ** 32, 2 ** 40])));
  switch (randomInt(random, 6)) {
    case 0: return { kind: 'counter', deltas: pairs() };
    case 1: return { kind: 'gauge', values: pairs() };
    case 2: return { kind: 'histogram', unit: pick(random, TEXTS.slice(0, 9)), buckets: buckets() };
    case 3: return { kind: 'histogram', unit: 'us', series: list(random, 8, (): [Key, number[]] => [key(random), buckets()]) };
    case 4: return { kind: 'top', entries: pairs(), other: number(random) };
    default: {
      const fields = list(random, 6, () => pick(random, TEXTS.slice(0, 9)));
      return { kind: 'events', fields, rows: list(random, 20, () => ({ offsetUs: pick(random, INTEGERS.filter((n) => n >= 0)), values: fields.map(() => value(random)) })), dropped: randomInt(random, 3) };
    }
  }
}

describe('envelopes written directly', () => {
  it.each(allRecords)('write the %s sample as cbor-x writes its tree', (module, sample) => {
    const envelope = envelopeOf(module, sample);
    expect(Buffer.from(encodeEnvelope(envelope)).toString('hex')).toBe(Buffer.from(referenceEnvelope(envelope)).toString('hex'));
  });

  const seed = runSeed(0xcb04);
  it(`write 500 random records as cbor-x writes their trees (seed ${seed.toString(16)})`, () => {
    for (let index = 0; index < 500; index++) {
      const random = seededRandom(inputSeed(seed, index));
      const envelope = { ...envelopeOf(pick(random, TEXTS.slice(0, 9)), record(random), pick(random, INTEGERS.filter((n) => n >= 0))), deviceId: pick(random, TEXTS.slice(1, 9)) };
      const actual = Buffer.from(encodeEnvelope(envelope, randomInt(random, 40)));
      const expected = Buffer.from(referenceEnvelope(envelope));
      let at = 0;
      while (at < actual.length && actual[at] === expected[at]) at++;
      const around = (bytes: Buffer) => bytes.subarray(Math.max(0, at - 16), at + 24).toString('hex');
      expect(actual.equals(expected), `record ${index}: first difference at byte ${at}: ${around(actual)} (expected ${around(expected)})`).toBe(true);
    }
  });
});

describe('numbers past what a CBOR integer holds', () => {
  it('go out as float64, not as the bignum tag cbor-x would write (the schema has no tags)', () => {
    const envelope = envelopeOf('big', { kind: 'gauge', values: [['huge', 2 ** 70]] });
    const bytes = Buffer.from(encodeEnvelope(envelope));
    const float = Buffer.alloc(9);
    float[0] = 0xfb;
    float.writeDoubleBE(2 ** 70, 1);
    expect(bytes.subarray(-9).equals(float)).toBe(true);
    expect(Buffer.from(referenceEnvelope(envelope)).includes(0xc2)).toBe(true);
  });
});

describe('PUBLISH packets framed around their payload', () => {
  const topic = 'mote/v1/gw-0042/telemetry/syscount';
  const sizes = [0, 1, 127 - 40, 128 - 40, 16383 - 40, 16384 - 40, 2_097_151 - 40, 2_097_152 - 40];
  const cases = sizes.flatMap((size) => [4, 5].flatMap((protocolVersion) => [0, 1].map((qos) => ({ size, protocolVersion: protocolVersion as 4 | 5, qos: qos as 0 | 1 }))));

  it.each(cases)('are what mqtt-packet generates: $size B, MQTT $protocolVersion, QoS $qos', ({ size, protocolVersion, qos }) => {
    const payload = Uint8Array.from({ length: size }, (_, i) => (i * 7) & 0xff);
    for (const [dup, retain, packetId] of [[false, false, 1], [true, true, 0xffff], [false, true, 300]] as const) {
      const expected = mqttPacket.generate({ cmd: 'publish', topic, payload: Buffer.from(payload), qos, dup, retain, ...(qos > 0 && { messageId: packetId }) }, { protocolVersion });
      const copied = publishFrame({ topic, payload, qos, dup, retain, packetId, protocolVersion });
      expect(Buffer.from(copied).equals(expected)).toBe(true);
      const headroom = publishHeadroom(topic);
      const spacious = new Uint8Array(headroom + size);
      spacious.set(payload, headroom);
      const inPlace = publishFrame({ topic, payload: withHeadroom(spacious.subarray(headroom), headroom), qos, dup, retain, packetId, protocolVersion });
      expect(Buffer.from(inPlace).equals(expected)).toBe(true);
      expect(inPlace.buffer).toBe(spacious.buffer);
    }
  });

  it('frames an envelope made with headroom in place, and copies a payload that has none of its own', () => {
    const headroom = publishHeadroom(topic);
    const payload = withHeadroom(encodeEnvelope(envelopeOf('syscount', allRecords[0]![1]), headroom), headroom);
    expect(publishFrame({ topic, payload, qos: 1, dup: false, retain: false, packetId: 9, protocolVersion: 4 }).buffer).toBe(payload.buffer);
    const shared = new Uint8Array(200).fill(0xaa);
    const borrowed = shared.subarray(100, 150);
    const frame = publishFrame({ topic, payload: borrowed, qos: 1, dup: false, retain: false, packetId: 9, protocolVersion: 4 });
    expect(frame.buffer).not.toBe(shared.buffer);
    expect(shared.every((b) => b === 0xaa)).toBe(true);
  });
});
