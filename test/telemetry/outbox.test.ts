import { describe, expect, it } from 'vitest';
import { encodePlain } from '../../agent/src/telemetry/cbor.ts';
import { Outbox } from '../../agent/src/telemetry/outbox.ts';
import { PersistentOutbox, type OutboxStorage } from '../../agent/src/telemetry/persistent-outbox.ts';
import { MemoryLogger } from './node-runtime.ts';

const message = (n: number) => ({ topic: `t/${n}`, payload: Uint8Array.of(n), qos: 1 as const });
const topics = (outbox: Outbox) => outbox.snapshot().map((m) => m.topic);

class MemoryStorage implements OutboxStorage {
  saves = 0;
  constructor(public bytes?: Uint8Array) {}
  load(): Uint8Array | undefined {
    return this.bytes;
  }
  save(bytes: Uint8Array): void {
    this.saves++;
    this.bytes = bytes;
  }
}

describe('Outbox', () => {
  it('drops the oldest message when full, and counts it', () => {
    const outbox = new Outbox(3);
    for (let n = 0; n < 5; n++) outbox.push(message(n));
    expect(topics(outbox)).toEqual(['t/2', 't/3', 't/4']);
    expect([outbox.depth, outbox.dropped]).toEqual([3, 2]);
  });

  it('never drops a message in flight, and hands out the oldest unsent one first', () => {
    const outbox = new Outbox(3);
    for (let n = 0; n < 3; n++) outbox.push(message(n));
    outbox.markInFlight(outbox.nextUnsent()!, 7);
    outbox.push(message(3));
    expect(topics(outbox)).toEqual(['t/0', 't/2', 't/3']);
    expect(outbox.nextUnsent()!.topic).toBe('t/2');
    expect(outbox.inFlight().map((e) => e.packetId)).toEqual([7]);
    expect(outbox.acknowledge(7)!.topic).toBe('t/0');
    expect(outbox.acknowledge(7)).toBeUndefined();
  });

  it('counts the new message as dropped when everything held is in flight', () => {
    const outbox = new Outbox(1);
    outbox.push(message(0));
    outbox.markInFlight(outbox.nextUnsent()!, 1);
    outbox.push(message(1));
    expect([topics(outbox), outbox.dropped]).toEqual([['t/0'], 1]);
  });

  it('refuses a capacity below 1 and says what to give', () => {
    expect(() => new Outbox(0)).toThrow(/give at least 1/);
  });
});

describe('PersistentOutbox', () => {
  it('saves only after changes and restores the messages in order, in flight ones as unsent', () => {
    const storage = new MemoryStorage();
    const outbox = new PersistentOutbox(8, storage, new MemoryLogger());
    outbox.persist();
    expect(storage.saves).toBe(0);
    for (let n = 0; n < 3; n++) outbox.push(message(n));
    outbox.markInFlight(outbox.nextUnsent()!, 1);
    outbox.persist();
    outbox.persist();
    expect(storage.saves).toBe(1);

    const restored = new PersistentOutbox(8, storage, new MemoryLogger());
    expect(restored.snapshot().map((m) => [m.topic, [...m.payload], m.qos])).toEqual([['t/0', [0], 1], ['t/1', [1], 1], ['t/2', [2], 1]]);
    expect(restored.inFlight()).toEqual([]);
  });

  it.each([
    ['not CBOR', Uint8Array.of(0xff, 0xff)],
    ['a map', encodePlain(new Map([[1, 2]]))],
    ['a bad entry', encodePlain([['t', 'not bytes', 1]])],
  ])('starts empty and says so when the saved bytes are %s', (_name, bytes) => {
    const log = new MemoryLogger();
    const outbox = new PersistentOutbox(8, new MemoryStorage(bytes), log);
    expect(outbox.depth).toBe(0);
    expect(log.lines).toEqual([expect.stringMatching(/^warn: outbox: saved messages unreadable .*; starting empty, they are lost$/)]);
  });
});
