/**
 * The durable outbox's log format and its arithmetic, on real files in a temporary directory:
 * frames torn at every byte offset, checksums broken at every byte, the disk bound kept with the
 * drops counted exactly, trimming on acknowledgement, and replay in order after a reopen.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { crc32 } from '../../agent/src/telemetry/log/crc32.ts';
import { encodeFrame, scanSegment, type LogRecord } from '../../agent/src/telemetry/log/frame.ts';
import { SegmentLog, type SegmentLogOptions } from '../../agent/src/telemetry/log/segment-log.ts';
import { DurableOutbox } from '../../agent/src/telemetry/durable-outbox.ts';
import { nodeLogFiles } from './node-log-files.ts';
import { MemoryLogger, nodeTimers } from './node-runtime.ts';

const record = (n: number, size = 20): LogRecord => ({ topic: `mote/v1/d/telemetry/m${n % 3}`, payload: new Uint8Array(size).fill(n & 0xff), qos: 1, timeMs: 1_767_225_600_000 + n });
const concat = (parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

const directories: string[] = [];
function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mote-outbox-log-'));
  directories.push(dir);
  return join(dir, 'outbox');
}
afterEach(() => {
  for (const dir of directories.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function openLog(dir: string, options: Partial<SegmentLogOptions> = {}, warnings: string[] = []): SegmentLog {
  return SegmentLog.open(nodeLogFiles, { dir, maxBytes: 1 << 20, segmentBytes: 1 << 16, fsync: 1000, ...options }, (m) => warnings.push(m));
}

/** The records a reopened log holds as still needed, read back through its backlog ranges; checks each range's first time. */
function replayed(log: SegmentLog): Array<{ index: number; record: LogRecord }> {
  const all: Array<{ index: number; record: LogRecord }> = [];
  for (const { from, to, timeMs } of log.backlog) {
    const range: Array<{ index: number; record: LogRecord }> = [];
    for (let index = from; index < to; ) {
      const batch = log.read(index, to - index);
      expect(batch.length, `records ${index} to ${to} read back`).toBeGreaterThan(0);
      range.push(...batch);
      index = batch.at(-1)!.index + 1;
    }
    expect(range[0]!.record.timeMs).toBe(timeMs);
    all.push(...range);
  }
  return all;
}

const segmentFiles = (dir: string) => readdirSync(dir).filter((name) => name.endsWith('.log')).sort();

describe('frames', () => {
  it('checksums with CRC-32 (IEEE)', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array())).toBe(0);
  });

  it('reads back what it wrote', () => {
    const records = [record(0), record(1, 0), record(2, 300)];
    const scan = scanSegment(concat(records.map(encodeFrame)));
    expect(scan.damage).toBeUndefined();
    expect(scan.records).toEqual(records);
  });

  it('keeps exactly the whole frames of a segment torn at every byte offset', () => {
    const frames = [record(0), record(1, 7), record(2, 33)].map(encodeFrame);
    const bytes = concat(frames);
    const ends = frames.map((_, i) => frames.slice(0, i + 1).reduce((sum, f) => sum + f.length, 0));
    for (let cut = 0; cut <= bytes.length; cut++) {
      const scan = scanSegment(bytes.subarray(0, cut));
      const whole = ends.filter((end) => end <= cut).length;
      expect(scan.records.length, `cut at ${cut}`).toBe(whole);
      expect(scan.goodLength).toBe(whole === 0 ? 0 : ends[whole - 1]);
      expect(scan.damage === undefined, `cut at ${cut}`).toBe(cut === 0 || ends.includes(cut));
    }
  });

  it('stops at a frame whose any byte was changed', () => {
    const frames = [record(0), record(1), record(2)].map(encodeFrame);
    const bytes = concat(frames);
    const start = frames[0]!.length;
    for (let offset = start; offset < start + frames[1]!.length; offset++) {
      const damaged = bytes.slice();
      damaged[offset]! ^= 0x41;
      const scan = scanSegment(damaged);
      expect(scan.records, `byte ${offset}`).toEqual([record(0)]);
      expect(scan.goodLength).toBe(start);
      expect(scan.damage).toMatch(/at byte \d+$/);
    }
  });
});

describe('SegmentLog', () => {
  it('replays every record in order after a reopen, and goes on numbering after them', () => {
    const dir = freshDir();
    const log = openLog(dir, { segmentBytes: 256, maxBytes: 8192 });
    for (let n = 0; n < 40; n++) expect(log.append(record(n)).index).toBe(n);
    log.close();
    expect(segmentFiles(dir).length).toBeGreaterThan(3);
    const reopened = openLog(dir, { segmentBytes: 256, maxBytes: 8192 });
    expect(replayed(reopened).map((r) => r.index)).toEqual([...Array(40).keys()]);
    expect(replayed(reopened).map((r) => r.record)).toEqual([...Array(40).keys()].map((n) => record(n)));
    expect(reopened.append(record(40)).index).toBe(40);
    expect(reopened.damage).toEqual({ tails: 0, bytes: 0, records: 0 });
  });

  it('cuts a tail torn at every byte offset of the last frame, counts it, and appends after the good part', () => {
    const dir = freshDir();
    const log = openLog(dir);
    for (let n = 0; n < 3; n++) log.append(record(n));
    log.close();
    const file = join(dir, segmentFiles(dir)[0]!);
    const whole = readFileSync(file);
    const lastStart = whole.length - encodeFrame(record(2)).length;
    for (let cut = lastStart + 1; cut < whole.length; cut++) {
      writeFileSync(file, whole.subarray(0, cut));
      const warnings: string[] = [];
      const reopened = openLog(dir, {}, warnings);
      expect(replayed(reopened).map((r) => r.index), `cut at ${cut}`).toEqual([0, 1]);
      expect(reopened.damage).toEqual({ tails: 1, bytes: cut - lastStart, records: 0 });
      expect(warnings).toEqual([expect.stringMatching(/segment 0{16}\.log: .* at byte \d+; cut off \d+ bytes$/)]);
      expect(statSync(file).size).toBe(lastStart);
      expect(reopened.append(record(2)).index).toBe(2);
      reopened.close();
      const again = openLog(dir);
      expect(replayed(again).map((r) => r.record)).toEqual([record(0), record(1), record(2)]);
      expect(again.damage.tails).toBe(0);
      again.close();
    }
  });

  it('counts the records lost with a corrupt older segment from the next segment\'s first index', () => {
    const dir = freshDir();
    const log = openLog(dir, { segmentBytes: 256, maxBytes: 8192 });
    for (let n = 0; n < 20; n++) log.append(record(n));
    log.close();
    const [first, second] = segmentFiles(dir);
    const bytes = readFileSync(join(dir, first!));
    const perFrame = encodeFrame(record(0)).length;
    bytes[perFrame + 5]! ^= 1; // the second record's checksum
    writeFileSync(join(dir, first!), bytes);
    const reopened = openLog(dir, { segmentBytes: 256, maxBytes: 8192 });
    const inFirst = Number(second!.slice(0, 16));
    expect(reopened.damage).toEqual({ tails: 1, bytes: bytes.length - perFrame, records: inFirst - 1 });
    expect(replayed(reopened).map((r) => r.index)).toEqual([0, ...Array.from({ length: 20 - inFirst }, (_, i) => inFirst + i)]);
    expect(reopened.backlog.slice(0, 2).map(({ from, to }) => [from, to])).toEqual([[0, 1], [inFirst, Number(segmentFiles(dir)[2]!.slice(0, 16))]]);
  });

  it('never passes its bound, and deletes the oldest segments whole, reporting exactly which records went', () => {
    const dir = freshDir();
    const options = { maxBytes: 4096, segmentBytes: 1024 };
    const log = openLog(dir, options);
    const deleted: number[] = [];
    for (let n = 0; n < 500; n++) {
      const result = log.append(record(n, n % 50));
      for (const [from, to] of result.deleted) for (let i = from; i < to; i++) deleted.push(i);
      expect(log.bytes).toBeLessThanOrEqual(4096);
      const onDisk = segmentFiles(dir).reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);
      expect(onDisk).toBe(log.bytes);
    }
    log.close();
    const kept = replayed(openLog(dir, options)).map((r) => r.index);
    expect(deleted).toEqual([...Array(deleted.length).keys()]);
    expect([...deleted, ...kept]).toEqual([...Array(500).keys()]);
    expect(log.bytes).toBeGreaterThan(4096 - 2 * 1024);
  });

  it('deletes segments once every record in them is released, and replays only what is still needed', () => {
    const dir = freshDir();
    const options = { segmentBytes: 256, maxBytes: 8192 };
    const log = openLog(dir, options);
    for (let n = 0; n < 30; n++) log.append(record(n));
    const before = segmentFiles(dir).length;
    log.release(17);
    expect(segmentFiles(dir).length).toBeLessThan(before);
    log.close();
    expect(readFileSync(join(dir, 'acked'), 'utf8')).toBe('17\n');
    const reopened = openLog(dir, options);
    expect(replayed(reopened).map((r) => r.index)).toEqual([...Array(13).keys()].map((i) => i + 17));
    reopened.release(30);
    reopened.close();
    expect(segmentFiles(dir)).toHaveLength(1);
    expect(replayed(openLog(dir, options))).toEqual([]);
  });

  it('never reuses indexes that acked passed when their records were lost from disk', () => {
    const dir = freshDir();
    const log = openLog(dir);
    for (let n = 0; n < 5; n++) log.append(record(n));
    log.release(5);
    log.close();
    truncateSync(join(dir, segmentFiles(dir)[0]!), 0);
    const reopened = openLog(dir);
    expect(reopened.append(record(5)).index).toBe(5);
    reopened.close();
    expect(replayed(openLog(dir)).map((r) => r.index)).toEqual([5]);
  });

  it('refuses a segment that does not fit twice in the bound, saying what to give', () => {
    expect(() => openLog(freshDir(), { maxBytes: 1000, segmentBytes: 600 })).toThrow(/give at least 1200 bytes/);
  });
});

describe('read-back', () => {
  /** nodeLogFiles that counts the bytes read through descriptors and the opens. */
  function countingFiles() {
    const counts = { bytes: 0, opens: 0 };
    const files = { ...nodeLogFiles, open: (path: string, flags: number, mode: number) => (counts.opens++, nodeLogFiles.open(path, flags, mode)), read: (fd: number, bytes: Uint8Array) => { const got = nodeLogFiles.read(fd, bytes); counts.bytes += got; return got; } };
    return { files, counts };
  }

  it('reads a segment forward once while draining it in batches, and starts again for a read behind', () => {
    const dir = freshDir();
    const writer = openLog(dir, { segmentBytes: 1 << 19 });
    for (let n = 0; n < 2000; n++) writer.append(record(n, 100));
    writer.close();
    const { files, counts } = countingFiles();
    const log = SegmentLog.open(files, { dir, maxBytes: 1 << 20, segmentBytes: 1 << 19, fsync: 1000 }, () => {});
    const read: Array<{ index: number; record: LogRecord }> = [];
    for (let from = 0; from < 2000; from = (read.at(-1)?.index ?? -1) + 1) {
      const batch = log.read(from, 64);
      expect(batch.length).toBeGreaterThan(0);
      read.push(...batch);
    }
    expect(read.map(({ index }) => index)).toEqual(Array.from({ length: 2000 }, (_, n) => n));
    expect(read.map(({ record: r }) => r)).toEqual(Array.from({ length: 2000 }, (_, n) => record(n, 100)));
    const onDisk = segmentFiles(dir).reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);
    expect(counts.bytes).toBe(onDisk); // every byte once, not a segment per batch
    expect(counts.opens).toBe(segmentFiles(dir).length);
    expect(log.read(10, 2).map(({ index, record: r }) => [index, r.timeMs])).toEqual([[10, record(10).timeMs], [11, record(11).timeMs]]);
    expect(counts.opens).toBe(segmentFiles(dir).length + 1);
    log.close();
  });

  it('reads a record larger than its buffer, and what was appended after it reached the end', () => {
    const dir = freshDir();
    const log = openLog(dir, { segmentBytes: 1 << 19 });
    log.append(record(0, 200_000));
    log.append(record(1, 10));
    expect(log.read(0, 64).map(({ record: r }) => r)).toEqual([record(0, 200_000), record(1, 10)]);
    log.append(record(2, 70_000));
    log.sync();
    expect(log.read(2, 64).map(({ index, record: r }) => [index, r])).toEqual([[2, record(2, 70_000)]]);
    log.close();
  });
});

describe('DurableOutbox', () => {
  const message = (n: number) => ({ topic: `t/${n}`, payload: new Uint8Array(40).fill(n & 0xff), qos: 1 as const, timeMs: 1000 + n });
  const open = (dir: string, maxBytes = 1 << 20) => new DurableOutbox(nodeLogFiles, { dir, maxBytes, fsync: 'always' }, nodeTimers, new MemoryLogger());

  it('replays unacknowledged messages in order after a reopen, in flight ones as unsent', () => {
    const dir = freshDir();
    const outbox = open(dir);
    for (let n = 0; n < 10; n++) outbox.push(message(n));
    for (let id = 1; id <= 4; id++) outbox.markInFlight(outbox.nextUnsent()!, id);
    outbox.acknowledge(1);
    outbox.acknowledge(2);
    expect(outbox.oldestMs).toBe(1002);
    outbox.close();
    const reopened = open(dir);
    expect(reopened.snapshot().map((m) => m.topic)).toEqual([...Array(8).keys()].map((i) => `t/${i + 2}`));
    expect(reopened.inFlight()).toEqual([]);
    expect(reopened.oldestMs).toBe(1002);
    reopened.close();
  });

  it('keeps its disk bound and counts exactly the unsent messages it drops; messages in flight are kept', () => {
    const dir = freshDir();
    const outbox = open(dir, 8192);
    outbox.push(message(0));
    outbox.markInFlight(outbox.nextUnsent()!, 1);
    for (let n = 1; n < 1000; n++) {
      outbox.push(message(n));
      expect(outbox.bytes).toBeLessThanOrEqual(8192);
    }
    const held = outbox.snapshot().map((m) => Number(m.topic.slice(2)));
    expect(held[0]).toBe(0);
    expect(held.slice(1)).toEqual(Array.from({ length: held.length - 1 }, (_, i) => 1000 - held.length + 1 + i));
    expect(outbox.dropped).toBe(1000 - held.length);
    expect(outbox.acknowledge(1)!.topic).toBe('t/0');
    outbox.close();
  });

  it('trims the log as the broker acknowledges, down to one segment', () => {
    const dir = freshDir();
    const outbox = open(dir, 8192);
    for (let n = 0; n < 100; n++) {
      outbox.push(message(n));
      outbox.markInFlight(outbox.nextUnsent()!, n + 1);
      outbox.acknowledge(n + 1);
    }
    expect(outbox.dropped).toBe(0);
    expect(outbox.bytes).toBeLessThanOrEqual(1024);
    expect(segmentFiles(dir)).toHaveLength(1);
    outbox.close();
    expect(open(dir).depth).toBe(0);
  });


  it('keeps messages in memory when the disk refuses them, bounded by the same bytes, and resumes on disk', () => {
    const dir = freshDir();
    let diskFull = false;
    const files = { ...nodeLogFiles };
    files.write = (fd, bytes) => {
      if (diskFull) throw Object.assign(new Error('write: No space left on device'), { code: 'ENOSPC', errno: 28, call: 'write' });
      return nodeLogFiles.write(fd, bytes);
    };
    const log = new MemoryLogger();
    const outbox = new DurableOutbox(files, { dir, maxBytes: 8192, fsync: 1000 }, nodeTimers, log);
    for (let n = 0; n < 3; n++) outbox.push(message(n));
    diskFull = true;
    for (let n = 3; n < 403; n++) outbox.push(message(n));
    expect(log.lines.filter((l) => /cannot write \(write: No space left on device\); the record is kept in memory only/.test(l))).toHaveLength(400);
    const inMemoryOnly = outbox.depth - 3;
    expect(inMemoryOnly * 40).toBeLessThanOrEqual(8192);
    expect(outbox.dropped).toBe(400 - inMemoryOnly);
    diskFull = false;
    outbox.push(message(403));
    outbox.close();
    expect(open(dir).snapshot().map((m) => m.topic)).toEqual(['t/0', 't/1', 't/2', 't/403']);
  });

  const drain = (box: DurableOutbox, numbers: number[]) => {
    for (const n of numbers) {
      const entry = box.nextUnsent()!;
      expect([entry.topic, entry.payload.length, entry.payload[0], entry.timeMs]).toEqual([`t/${n}`, 40, n & 0xff, 1000 + n]);
      box.markInFlight(entry, 1);
      box.acknowledge(1);
    }
  };
  const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

  it('holds a backlog of any length in a few entries, and reads it back in order as it is sent', () => {
    const dir = freshDir();
    const outbox = new DurableOutbox(nodeLogFiles, { dir, maxBytes: 1 << 20, segmentBytes: 4096, fsync: 1000 }, nodeTimers, new MemoryLogger());
    for (let n = 0; n < 5000; n++) {
      outbox.push(message(n));
      expect(outbox.entriesInMemory).toBeLessThanOrEqual(64 + 1);
    }
    expect(outbox.depth).toBe(5000);
    expect(outbox.oldestMs).toBe(1000);
    drain(outbox, range(0, 1000));
    expect(outbox.depth).toBe(4000);
    expect(outbox.oldestMs).toBeLessThanOrEqual(2000);
    expect(outbox.entriesInMemory).toBeLessThanOrEqual(2 * 64 + 1);
    outbox.close();
    const reopened = open(dir);
    expect(reopened.depth).toBe(4000);
    expect(reopened.entriesInMemory).toBe(1);
    expect(reopened.oldestMs).toBe(2000);
    drain(reopened, range(1000, 2500));
    for (let n = 5000; n < 5100; n++) reopened.push(message(n));
    drain(reopened, [...range(2500, 5000), ...range(5000, 5100)]);
    expect([reopened.depth, reopened.dropped, reopened.nextUnsent()]).toEqual([0, 0, undefined]);
    reopened.close();
  });

  it('drops the records of a cold run that cannot be read back, counts them, and warns once', () => {
    const dir = freshDir();
    const log = new MemoryLogger();
    const outbox = new DurableOutbox(nodeLogFiles, { dir, maxBytes: 1 << 20, segmentBytes: 1024, fsync: 1000 }, nodeTimers, log);
    for (let n = 0; n < 200; n++) outbox.push(message(n));
    const [, second, third] = segmentFiles(dir);
    const lost = Number(third!.slice(0, 16)) - Number(second!.slice(0, 16));
    writeFileSync(join(dir, second!), '');
    const sent: number[] = [];
    for (let entry = outbox.nextUnsent(); entry; entry = outbox.nextUnsent()) {
      sent.push(Number(entry.topic.slice(2)));
      outbox.markInFlight(entry, 1);
      outbox.acknowledge(1);
    }
    expect(sent.length + lost).toBe(200);
    expect(outbox.dropped).toBe(lost);
    expect(sent).toEqual(range(0, 200).filter((n) => n < Number(second!.slice(0, 16)) || n >= Number(third!.slice(0, 16))));
    expect(log.lines.filter((l) => /records could not be read back from disk; dropped/.test(l))).toEqual([expect.stringContaining(`: ${lost} records could not`)]);
    outbox.close();
  });

  it('keeps its disk bound through a cold backlog, dropping and counting exactly the oldest records of its runs', () => {
    const dir = freshDir();
    const outbox = new DurableOutbox(nodeLogFiles, { dir, maxBytes: 16384, segmentBytes: 2048, fsync: 1000 }, nodeTimers, new MemoryLogger());
    for (let n = 0; n < 3000; n++) {
      outbox.push(message(n));
      expect(outbox.bytes).toBeLessThanOrEqual(16384);
      expect(outbox.entriesInMemory).toBeLessThanOrEqual(64 + 1);
    }
    const held = outbox.depth;
    expect(outbox.dropped).toBe(3000 - held);
    drain(outbox, range(3000 - held, 3000));
    expect(outbox.depth).toBe(0);
    outbox.close();
  });
});
