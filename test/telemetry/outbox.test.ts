import { describe, expect, it } from 'vitest';
import { Outbox } from '../../agent/src/telemetry/outbox.ts';

const message = (n: number) => ({ topic: `t/${n}`, payload: Uint8Array.of(n), qos: 1 as const });
const topics = (outbox: Outbox) => outbox.snapshot().map((m) => m.topic);

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
