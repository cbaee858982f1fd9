/**
 * The ring buffer consumer (agent/src/kernel/ring-buffer.ts) maps the data area once, not the
 * kernel's double mapping, so a record that runs past the end of the data area is copied in two
 * parts. The real kernel cannot be made to put chosen bytes across that edge on demand, so here
 * the mappings are plain buffers laid out as the kernel lays them out (consumer page, producer
 * page, data), with records written at positions chosen to wrap.
 */
import { expect, it } from 'vitest';
import { RingBufferReader } from '../../../agent/src/kernel/ring-buffer.ts';
import type { Sys } from '../../../agent/src/sys/types.ts';

const PAGE = 4096;
const SIZE = 2 * PAGE;

function ring() {
  const consumer = new ArrayBuffer(PAGE);
  let producer = new ArrayBuffer(0);
  const lengths: number[] = [];
  const sys = {
    pageSize: () => PAGE,
    mmap: (_fd: number, length: number, _prot: number, _flags: number, offset: number) => {
      lengths.push(length);
      if (offset === 0) return consumer;
      producer = new ArrayBuffer(length);
      return producer;
    },
    munmap: () => {},
  } as unknown as Sys;
  const reader = new RingBufferReader(sys, 3, SIZE, 8);
  let position = 0;
  /** Appends one committed record at the producer position, wrapping in the data area. */
  const write = (body: Uint8Array) => {
    const data = new Uint8Array(producer, PAGE, SIZE);
    new DataView(producer).setUint32(PAGE + (position % SIZE), body.length, true);
    body.forEach((byte, i) => (data[(position + 8 + i) % SIZE] = byte));
    position += (body.length + 8 + 7) & ~7;
    new DataView(producer).setUint32(0, position, true);
  };
  return { reader, write, lengths };
}

it('maps the data area once and reads back records that wrap past its end whole', () => {
  const { reader, write, lengths } = ring();
  expect(lengths).toEqual([PAGE, PAGE + SIZE]);
  const records = Array.from({ length: 300 }, (_, n) => Uint8Array.from({ length: 20 + (n % 37) }, (_, i) => (n * 7 + i) & 0xff));
  const read: Uint8Array[] = [];
  for (const record of records) {
    write(record);
    reader.drain((bytes) => read.push(bytes));
  }
  expect(read).toEqual(records);
});

it('reads a record whose header ends the data area and whose body starts it', () => {
  const { reader, write } = ring();
  const filler = new Uint8Array(SIZE - 16 - 8);
  write(filler);
  reader.drain(() => {});
  const body = Uint8Array.from({ length: 40 }, (_, i) => i + 1);
  write(new Uint8Array(0));
  reader.drain(() => {});
  write(body);
  const read: Uint8Array[] = [];
  reader.drain((bytes) => read.push(bytes));
  expect(read).toEqual([body]);
});
