import { Encoder } from 'cbor-x';
import { describe, expect, it } from 'vitest';
import { decodePlain, encodePlain } from '../../agent/src/telemetry/cbor.ts';
import { decodeEnvelope, decodeStatus, encodeEnvelope, encodeStatus } from '../../agent/src/telemetry/codec.ts';
import { TelemetryDecodeError } from '../../agent/src/telemetry/errors.ts';
import type { Status } from '../../agent/src/telemetry/messages.ts';
import { checkWithCbor2 } from '../support/cbor2.ts';
import { allRecords, BOOT_ID, envelopeOf } from '../../bundler/fixtures/telemetry-samples.ts';

const onlineStatus: Status = {
  schemaVersion: 1,
  deviceId: 'gw-0042',
  bootId: BOOT_ID,
  timeMs: 1767225600000,
  state: 'online',
  agentVersion: '0.1.0',
  release: '6.1.0-31-armmp',
  machine: 'armv7l',
  modules: [
    { name: 'syscount', version: '1.2.0' },
    { name: 'biolatency', version: '1.0.0', error: "prog 'trace_rq_issue': kernel has no BTF for block_rq_issue; embed a BTF for 6.1.0-31-armmp" },
  ],
  counters: { sent: 3600, dropped: 12, reconnects: 2, depth: 5 },
};

describe('telemetry codec', () => {
  it.each(allRecords)('round-trips a %s record', (module, record) => {
    const envelope = envelopeOf(module, record);
    const decoded = decodeEnvelope(encodeEnvelope(envelope));
    expect({ ...decoded, bootId: new Uint8Array(decoded.bootId) }).toEqual(envelope);
  });

  it('encodes each envelope with its own device, boot id, module and version, whatever came before (their bytes are cached)', () => {
    const record = allRecords[0]![1];
    const bootA = new Uint8Array(16).fill(1);
    const variants = [
      { ...envelopeOf('syscount', record), deviceId: 'gw-1', bootId: bootA },
      { ...envelopeOf('syscount', record), deviceId: 'gw-2', bootId: bootA },
      { ...envelopeOf('syscount', record), deviceId: 'gw-2', bootId: new Uint8Array(16).fill(2) },
      { ...envelopeOf('syscount', record), deviceId: 'gw-2', bootId: new Uint8Array(16).fill(2), moduleVersion: '7' },
      { ...envelopeOf('runqlat', record), deviceId: 'gw-2', bootId: new Uint8Array(16).fill(2) },
    ];
    for (const envelope of [...variants, ...variants.reverse()]) {
      const decoded = decodeEnvelope(encodeEnvelope(envelope));
      expect({ ...decoded, bootId: new Uint8Array(decoded.bootId) }).toEqual(envelope);
    }
    // A schema version this decoder refuses, read as plain CBOR; the next envelope has its own again.
    expect((decodePlain(encodeEnvelope({ ...variants[0]!, schemaVersion: 2 })) as Map<number, unknown>).get(0)).toBe(2);
    expect(decodeEnvelope(encodeEnvelope(variants[0]!)).schemaVersion).toBe(1);
    // The same array with other bytes is another boot.
    const reused = new Uint8Array(16).fill(3);
    encodeEnvelope({ ...envelopeOf('syscount', record), bootId: reused });
    reused.fill(4);
    expect([...decodeEnvelope(encodeEnvelope({ ...envelopeOf('syscount', record), bootId: reused })).bootId]).toEqual(new Array(16).fill(4));
  });

  it('round-trips the status and its Last Will form', () => {
    const decoded = decodeStatus(encodeStatus(onlineStatus));
    expect({ ...decoded, bootId: new Uint8Array(decoded.bootId) }).toEqual(onlineStatus);
    const { modules: _modules, counters: _counters, ...will } = { ...onlineStatus, state: 'offline' as const };
    const decodedWill = decodeStatus(encodeStatus(will));
    expect(decodedWill.state).toBe('offline');
    expect(decodedWill.counters).toBeUndefined();
  });

  it('writes plain CBOR that python3-cbor2 reads and finds shaped as schema.cddl says', () => {
    const payloads = allRecords.map(([module, record]): ['telemetry', Uint8Array] => ['telemetry', encodeEnvelope(envelopeOf(module, record))]);
    const verdicts = checkWithCbor2([...payloads, ['status', encodeStatus(onlineStatus)]]);
    for (const verdict of verdicts) expect(verdict).toMatchObject({ ok: true });
    const summaries = verdicts.map((v) => (v.ok ? v.summary : {}));
    expect(summaries.map((s) => (s.record as { kind?: string } | undefined)?.kind)).toEqual(['counter', 'gauge', 'histogram', 'histogram', 'top', 'events', undefined]);
    expect(summaries[2]).toMatchObject({ device: 'gw-0042', sequence: 41, module: 'runqlat', window: [5_400_000, 1000], record: { first: 3, counts: [4, 19, 88, 240, 512, 301, 97, 22, 6, 1] } });
    expect(summaries[5]).toMatchObject({ record: { kind: 'events', dropped: 2, fields: ['pid', 'ppid', 'comm', 'filename'], rows: 3 } });
    expect(summaries[6]).toMatchObject({ state: 'online', uname: ['6.1.0-31-armmp', 'armv7l'], counters: { sent: 3600, dropped: 12, reconnects: 2, depth: 5 } });
  });

  it('keeps integers past 32 bits as CBOR integers', () => {
    const envelope = envelopeOf('netbytes', { kind: 'counter', deltas: [['eth0', 6_000_000_000]] });
    const [verdict] = checkWithCbor2([['telemetry', encodeEnvelope(envelope)]]);
    expect(verdict).toMatchObject({ ok: true });
    expect(decodeEnvelope(encodeEnvelope(envelope)).record).toEqual({ kind: 'counter', deltas: [['eth0', 6_000_000_000]] });
  });

  it('is checked by a verifier that does reject cbor-x extensions (control)', () => {
    const record = new Encoder().encode({ 0: 1, 1: 'gw-0042' });
    const explicitMap = new Encoder({ useRecords: false }).encode(new Map([[0, 1]]));
    const taggedBytes = new Encoder({ useRecords: false }).encode(new Map([[2, new Uint8Array(16)]]));
    const verdicts = checkWithCbor2([['telemetry', record], ['telemetry', explicitMap], ['status', taggedBytes]]);
    for (const verdict of verdicts) expect(verdict).toMatchObject({ ok: false, error: expect.stringMatching(/tag|re-encoding/) });
    expect(checkWithCbor2([['status', encodePlain(new Map([[2, new Uint8Array(16)]]))]])[0]).not.toMatchObject({ error: expect.stringMatching(/tag|re-encoding/) });
  });

  it.each([
    ['garbage', Uint8Array.from([0xff, 0x00, 0x13]), /not valid CBOR|expected a CBOR map/],
    ['a bare number', encodePlain(7), /expected a CBOR map/],
    ['schema version 2', encodePlain(new Map([[0, 2]])), /schema version is not 1/],
    ['a missing sequence', encodePlain(new Map<number, unknown>([[0, 1], [1, 'd'], [2, BOOT_ID], [4, 1], [5, 'm'], [6, '1'], [7, [0, 1]], [8, [1, new Map()]]])), /field 3 \(sequence\) is missing/],
    ['an unknown record kind', encodePlain(new Map<number, unknown>([[0, 1], [7, [0, 1]], [8, [9, 1]]])), /unknown record kind 9/],
  ])('rejects %s with a TelemetryDecodeError', (_name, bytes, message) => {
    expect(() => decodeEnvelope(bytes)).toThrow(TelemetryDecodeError);
    expect(() => decodeEnvelope(bytes)).toThrow(message);
  });
});
