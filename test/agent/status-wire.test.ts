/** The status message's module variants and inbound error counters, read back by python3-cbor2. */
import { expect, it } from 'vitest';
import { decodeStatus, encodeStatus } from '../../agent/src/telemetry/codec.ts';
import type { Status } from '../../agent/src/telemetry/messages.ts';
import { checkWithCbor2 } from '../support/cbor2.ts';
import { BOOT_ID } from '../../bundler/fixtures/telemetry-samples.ts';

const status: Status = {
  schemaVersion: 1, deviceId: 'gw-0042', bootId: BOOT_ID, timeMs: 1767225600000, state: 'online',
  agentVersion: '0.1.0', release: '6.1.0-31-armmp', machine: 'armv7l',
  modules: [
    { name: 'syscount', version: '3', variant: 'tracepoint' },
    { name: 'runqlat', version: '2' },
    { name: 'biolatency', version: '1', error: 'no BTF for 6.1.0-31-armmp' },
  ],
  counters: { sent: 10, dropped: 1, reconnects: 2, depth: 3, rejected: 4, malformed: 5 },
};

it('round-trips variants and inbound counters, and python3-cbor2 finds them shaped as the schema says', () => {
  const bytes = encodeStatus(status);
  const decoded = decodeStatus(bytes);
  expect({ ...decoded, bootId: new Uint8Array(decoded.bootId) }).toEqual(status);
  const [verdict] = checkWithCbor2([['status', bytes]]);
  expect(verdict).toEqual({
    ok: true,
    summary: expect.objectContaining({
      modules: [['syscount', '3', null, 'tracepoint'], ['runqlat', '2'], ['biolatency', '1', 'no BTF for 6.1.0-31-armmp']],
      counters: { sent: 10, dropped: 1, reconnects: 2, depth: 3, rejected: 4, malformed: 5 },
    }),
  });
});

it('still reads the four-counter form', () => {
  const decoded = decodeStatus(encodeStatus({ ...status, counters: { sent: 1, dropped: 0, reconnects: 0, depth: 0 } }));
  expect(decoded.counters).toEqual({ sent: 1, dropped: 0, reconnects: 0, depth: 0 });
});

it('round-trips the outbox counters (bytes, oldest record, cut tails), and python3-cbor2 finds nine uints', () => {
  const counters = { sent: 10, dropped: 1, reconnects: 2, depth: 3, rejected: 4, malformed: 5, bytes: 1_048_576, oldestMs: 1767225599000, cut: 1 };
  const bytes = encodeStatus({ ...status, counters });
  expect(decodeStatus(bytes).counters).toEqual(counters);
  const [verdict] = checkWithCbor2([['status', bytes]]);
  expect(verdict).toEqual({ ok: true, summary: expect.objectContaining({ counters: { sent: 10, dropped: 1, reconnects: 2, depth: 3, rejected: 4, malformed: 5, bytes: 1_048_576, oldest: 1767225599000, cut: 1 } }) });
});
