/**
 * The outbox's append-only log on disk: a directory of segments, each named by the index of its
 * first record (`0000000000000042.log`), plus `acked`, the index of the first record still
 * needed (every record below it was acknowledged or dropped).
 *
 * - Appending writes one frame (frame.ts) at the end of the newest segment, which rolls over to
 *   a new file once it would pass `segmentBytes`. With the `always` fsync policy every append is
 *   fsynced (and the directory, when a segment was created); otherwise `sync()` does it, called
 *   by the outbox on its interval. A SIGKILL loses nothing either way: written bytes are in the
 *   page cache. A power loss loses at most what was not yet fsynced.
 * - The bound: the segments together never pass `maxBytes`. To make room, the oldest segment is
 *   deleted whole; the caller learns which records went, and counts those it had not delivered.
 * - Trimming: `release(first)` deletes every segment whose records all lie below `first`;
 *   `checkpoint()` writes `acked` atomically when it moved.
 * - Opening scans every segment. A frame that is cut short or fails its checksum ends the
 *   segment: the damaged rest is cut off (the good prefix is rewritten atomically) and counted,
 *   and so are the records that the next segment's name shows were lost with it.
 *
 * Files go through the `Sys` calls in `LogFiles`; nothing here knows about MQTT.
 */
import type { Sys } from '../../sys/types.ts';
import { O_APPEND, O_CLOEXEC, O_CREAT, O_RDONLY, O_WRONLY } from '../../abi/open-flags.ts';
import { isSysError, MoteError } from '../../errors.ts';
import { decodeUtf8, encodeUtf8 } from '../../bytes/utf8.ts';
import { encodeFrame, scanSegment, type LogRecord } from './frame.ts';
import { READ_CHUNK, SegmentReader } from './segment-reader.ts';

export type LogFiles = Pick<Sys, 'open' | 'close' | 'read' | 'write' | 'fsync' | 'readFile' | 'writeFileAtomic' | 'unlink' | 'mkdir' | 'readDir'>;

/** `always`: fsync every record; a number: fsync at most that many ms after a record. */
export type FsyncPolicy = 'always' | number;

export interface SegmentLogOptions {
  dir: string;
  /** The most bytes all segments may take together. */
  maxBytes: number;
  /** A segment rolls over before it would pass this; at most half of `maxBytes`. */
  segmentBytes: number;
  fsync: FsyncPolicy;
}

export class OutboxLogError extends MoteError {}

/** What opening found damaged and cut off. */
export interface LogDamage {
  /** Segments whose tail was torn or corrupt. */
  tails: number;
  /** Bytes cut off. */
  bytes: number;
  /** Records known lost with a cut tail (a later segment's first index shows how many). */
  records: number;
}

/** Consecutive records `[from, to)` of the log; `timeMs` is when the first of them was made. */
export interface LogRange {
  from: number;
  to: number;
  timeMs: number;
}

interface Segment {
  base: number;
  count: number;
  size: number;
  /** A write to it failed: nothing more goes into it. */
  sealed?: boolean;
}

const APPEND_FLAGS = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC;
const SEGMENT = /^(\d{16})\.log$/;
const ACKED = 'acked';

const segmentName = (base: number) => `${String(base).padStart(16, '0')}.log`;

export class SegmentLog {
  /**
   * The records found on disk at open that are still needed, as index ranges `[from, to)`, oldest
   * first, one per segment, with the time of each range's first record (a gap between two ranges
   * is records lost with a damaged tail). Their payloads stay on disk: `read` brings them back.
   */
  readonly backlog: LogRange[] = [];
  readonly damage: LogDamage = { tails: 0, bytes: 0, records: 0 };
  private readonly segments: Segment[] = [];
  private totalBytes = 0;
  private fd: number | undefined;
  /** Where read-back stopped, kept for the next read of the same segment. */
  private reader: SegmentReader | undefined;
  /** The readers' buffer, made at the first read-back and kept for the log's life. */
  private readBuffer: Uint8Array | undefined;
  private firstNeeded = 0;
  private ackedOnDisk = -1;
  private unsynced = false;
  private directoryChanged = false;

  private constructor(
    private readonly files: LogFiles,
    private readonly options: SegmentLogOptions,
    private readonly warn: (message: string) => void,
  ) {
    if (!(options.segmentBytes >= 64 && options.segmentBytes * 2 <= options.maxBytes)) {
      throw new OutboxLogError(`outbox: a segment of ${options.segmentBytes} bytes does not fit twice in ${options.maxBytes} bytes: give at least ${Math.max(128, options.segmentBytes * 2)} bytes`);
    }
  }

  /** Opens (creating the directory if needed), scans, repairs and loads what is still needed. */
  static open(files: LogFiles, options: SegmentLogOptions, warn: (message: string) => void): SegmentLog {
    const log = new SegmentLog(files, options, warn);
    log.load();
    return log;
  }

  /** Bytes all segments take on disk. */
  get bytes(): number {
    return this.totalBytes;
  }

  /** The index the next record gets. */
  get nextIndex(): number {
    const last = this.segments.at(-1);
    return last ? last.base + last.count : this.firstNeeded;
  }

  /**
   * Appends one record; returns its index, and the index ranges `[from, to)` of the oldest
   * records deleted to keep the bound. Throws OutboxLogError when the record cannot be written.
   */
  append(record: LogRecord): { index: number; deleted: Array<[number, number]> } {
    const frame = encodeFrame(record);
    if (frame.length > this.options.segmentBytes) {
      throw new OutboxLogError(`outbox: a record of ${frame.length} bytes is larger than a segment (${this.options.segmentBytes} bytes); raise the outbox size`);
    }
    let active = this.segments.at(-1);
    if (!active || active.sealed || (active.size > 0 && active.size + frame.length > this.options.segmentBytes)) active = this.roll();
    const deleted: Array<[number, number]> = [];
    while (this.totalBytes + frame.length > this.options.maxBytes && this.segments.length > 1) {
      const oldest = this.segments[0]!;
      deleted.push([oldest.base, oldest.base + oldest.count]);
      this.deleteOldest();
    }
    const index = active.base + active.count;
    this.writeFrame(frame);
    active.count++;
    active.size += frame.length;
    this.totalBytes += frame.length;
    if (this.options.fsync === 'always') this.sync();
    else this.unsynced = true;
    return { index, deleted };
  }

  /** True when records were written since the last fsync. */
  get dirty(): boolean {
    return this.unsynced || this.directoryChanged;
  }

  /** Fsyncs what was written (and the directory, if a segment was created). */
  sync(): void {
    try {
      if (this.unsynced && this.fd !== undefined) this.files.fsync(this.fd);
      if (this.directoryChanged) this.syncDirectory();
      this.unsynced = false;
      this.directoryChanged = false;
    } catch (error) {
      this.warn(`outbox ${this.options.dir}: fsync failed (${(error as Error).message}); records stay in memory and are retried`);
    }
  }

  /** Every record below `first` was acknowledged or dropped: deletes the segments holding only those. */
  release(first: number): void {
    this.firstNeeded = Math.max(this.firstNeeded, first);
    while (this.segments.length > 1 && this.segments[0]!.base + this.segments[0]!.count <= this.firstNeeded) this.deleteOldest();
  }

  /**
   * Reads back up to `count` records from `from` on, within the segment that holds `from`,
   * continuing where the last read of that segment stopped; fewer, or none, when the segment was
   * deleted or damaged since.
   */
  read(from: number, count: number): Array<{ index: number; record: LogRecord }> {
    const segment = this.segments.find((s) => s.base <= from && from < s.base + s.count);
    if (!segment) return [];
    if (this.reader?.base !== segment.base) {
      this.reader?.close();
      this.reader = new SegmentReader(this.files, this.path(segmentName(segment.base)), segment.base, (this.readBuffer ??= new Uint8Array(READ_CHUNK)));
    }
    try {
      const { records, damage } = this.reader.read(from, Math.min(count, segment.base + segment.count - from));
      // A buffer a very large frame grew is not kept past this segment.
      this.readBuffer = this.reader.buffer.length <= 4 * READ_CHUNK ? this.reader.buffer : undefined;
      if (damage !== undefined) this.warn(`outbox ${this.options.dir}: ${segmentName(segment.base)} is damaged on read-back (${damage})`);
      return records;
    } catch (error) {
      this.warn(`outbox ${this.options.dir}: cannot read ${segmentName(segment.base)} back (${(error as Error).message})`);
      this.reader.close();
      this.reader = undefined;
      return [];
    }
  }

  /** Writes `acked` when it moved since it was last written. */
  checkpoint(): void {
    if (this.firstNeeded === this.ackedOnDisk) return;
    try {
      this.files.writeFileAtomic(this.path(ACKED), encodeUtf8(`${this.firstNeeded}\n`));
      this.ackedOnDisk = this.firstNeeded;
    } catch (error) {
      this.warn(`outbox ${this.options.dir}: cannot write ${ACKED} (${(error as Error).message}); after a restart some delivered records may be sent again`);
    }
  }

  /** Syncs, checkpoints and closes the segment open for appending. */
  close(): void {
    this.sync();
    this.checkpoint();
    if (this.fd !== undefined) this.files.close(this.fd);
    this.fd = undefined;
    this.reader?.close();
    this.reader = undefined;
  }

  private path(name: string): string {
    return `${this.options.dir}/${name}`;
  }

  private load(): void {
    const { dir } = this.options;
    let names: string[];
    try {
      names = this.files.readDir(dir);
    } catch (error) {
      if (!isSysError(error, 'ENOENT')) throw new OutboxLogError(`outbox ${dir}: cannot read it (${(error as Error).message}); fix its permissions or choose another --outbox-dir`);
      this.files.mkdir(dir, 0o700);
      names = [];
    }
    this.firstNeeded = this.readAcked(names);
    this.ackedOnDisk = this.firstNeeded;
    for (const name of names) if (name.includes('.tmp.')) this.files.unlink(this.path(name));
    const bases = names.flatMap((name) => {
      const match = SEGMENT.exec(name);
      return match ? [Number(match[1])] : [];
    }).sort((a, b) => a - b);
    bases.forEach((base, position) => this.loadSegment(base, bases[position + 1]));
    // Records acknowledged but lost from disk (not fsynced before a power loss): new records
    // must not take their indexes, which `acked` already passed.
    if (this.nextIndex < this.firstNeeded) this.segments.push({ base: this.firstNeeded, count: 0, size: 0 });
    this.release(this.firstNeeded);
  }

  private readAcked(names: string[]): number {
    if (!names.includes(ACKED)) return 0;
    const text = decodeUtf8(this.files.readFile(this.path(ACKED)));
    const value = Number(text.trim());
    if (Number.isSafeInteger(value) && value >= 0 && /^\d+\n$/.test(text)) return value;
    this.warn(`outbox ${this.options.dir}: ${ACKED} is damaged; every record on disk is sent again (consumers drop the duplicates)`);
    return 0;
  }

  private loadSegment(base: number, nextBase: number | undefined): void {
    const name = segmentName(base);
    const bytes = this.files.readFile(this.path(name));
    const scan = scanSegment(bytes);
    if (scan.damage !== undefined) {
      const cut = bytes.length - scan.goodLength;
      const lost = nextBase === undefined ? 0 : Math.max(0, nextBase - (base + scan.records.length));
      this.damage.tails++;
      this.damage.bytes += cut;
      this.damage.records += lost;
      this.warn(`outbox ${this.options.dir}: segment ${name}: ${scan.damage}; cut off ${cut} bytes${lost > 0 ? `, ${lost} records lost with them` : ''}`);
      this.files.writeFileAtomic(this.path(name), bytes.subarray(0, scan.goodLength));
    }
    const segment: Segment = { base, count: scan.records.length, size: scan.goodLength };
    this.segments.push(segment);
    this.totalBytes += segment.size;
    const from = Math.max(base, this.firstNeeded);
    if (from < base + segment.count) this.backlog.push({ from, to: base + segment.count, timeMs: scan.records[from - base]!.timeMs });
  }

  private roll(): Segment {
    if (this.fd !== undefined) {
      if (this.unsynced) this.sync();
      this.files.close(this.fd);
      this.fd = undefined;
    }
    const last = this.segments.at(-1);
    if (last?.count === 0) {
      // A segment whose first write failed holds nothing but that write's remains.
      this.segments.pop();
      this.unlinkSegment(last.base);
    }
    const segment: Segment = { base: this.nextIndex, count: 0, size: 0 };
    this.segments.push(segment);
    this.directoryChanged = true;
    return segment;
  }

  private writeFrame(frame: Uint8Array): void {
    const active = this.segments.at(-1)!;
    try {
      this.fd ??= this.files.open(this.path(segmentName(active.base)), APPEND_FLAGS, 0o600);
      for (let written = 0; written < frame.length; ) written += this.files.write(this.fd, frame.subarray(written));
    } catch (error) {
      // What a failed write left in the file is a torn tail, cut at the next open; later records
      // go to a new segment so that none follows it.
      if (this.fd !== undefined) this.files.close(this.fd);
      this.fd = undefined;
      active.sealed = true;
      throw new OutboxLogError(`outbox ${this.options.dir}: cannot write (${(error as Error).message}); the record is kept in memory only: free space or fix the directory`);
    }
  }

  private deleteOldest(): void {
    const oldest = this.segments.shift()!;
    this.totalBytes -= oldest.size;
    this.unlinkSegment(oldest.base);
  }

  private unlinkSegment(base: number): void {
    if (this.reader?.base === base) {
      this.reader.close();
      this.reader = undefined;
    }
    this.directoryChanged = true;
    try {
      this.files.unlink(this.path(segmentName(base)));
    } catch (error) {
      if (!isSysError(error, 'ENOENT')) this.warn(`outbox ${this.options.dir}: cannot delete ${segmentName(base)} (${(error as Error).message})`);
    }
  }

  private syncDirectory(): void {
    const fd = this.files.open(this.options.dir, O_RDONLY, 0);
    try {
      this.files.fsync(fd);
    } finally {
      this.files.close(fd);
    }
  }
}
