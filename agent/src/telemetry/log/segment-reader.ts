/**
 * Reads one segment of the outbox log forward, a frame at a time, through a small buffer that is
 * reused: the outbox drains a backlog in order, so each read-back continues where the last one
 * stopped, every byte is read and checked once, and memory holds one chunk, not the segment
 * (a frame larger than the chunk grows the buffer to fit it). The buffer is the log's, handed
 * from one segment's reader to the next, so a drain through many segments allocates it once and
 * leaves no chunk-sized holes in the C allocator's heap. A read behind the reader's position
 * starts the file again.
 */
import type { Sys } from '../../sys/types.ts';
import { O_CLOEXEC, O_RDONLY } from '../../abi/open-flags.ts';
import { readFrame, type LogRecord } from './frame.ts';

export type ReaderFiles = Pick<Sys, 'open' | 'close' | 'read'>;

const READ_FLAGS = O_RDONLY | O_CLOEXEC;
/** The read buffer's first size: a few dozen records of the agent's usual size. */
export const READ_CHUNK = 16 * 1024;

export class SegmentReader {
  private fd: number | undefined;
  private view: DataView;
  /** Unread bytes are buffer[start, end). */
  private start = 0;
  private end = 0;
  private atEnd = false;
  /** The index of the next frame in the buffer or the file. */
  private next: number;

  /** `buffer`: the read buffer, the previous reader's (read `buffer` back after a read: a large frame grows it). */
  constructor(
    private readonly files: ReaderFiles,
    private readonly path: string,
    readonly base: number,
    public buffer: Uint8Array,
  ) {
    this.next = base;
    this.view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }

  /**
   * Up to `count` records from index `from` on (at least this segment's base), fewer where the
   * file ends or a frame is damaged (then `damage` says why). Throws the file error of open or read.
   */
  read(from: number, count: number): { records: Array<{ index: number; record: LogRecord }>; damage?: string } {
    if (from < this.next || this.fd === undefined) this.restart();
    this.atEnd = false; // the newest segment may have grown since
    const records: Array<{ index: number; record: LogRecord }> = [];
    while (records.length < count) {
      const frame = readFrame(this.buffer.subarray(0, this.end), this.view, this.start);
      if (frame === 'short') {
        if (this.atEnd || !this.fill()) break;
        continue;
      }
      if ('damage' in frame) return { records, damage: `${frame.damage} at record ${this.next}` };
      this.start += frame.size;
      if (this.next >= from) records.push({ index: this.next, record: frame.record });
      this.next++;
    }
    return { records };
  }

  close(): void {
    if (this.fd !== undefined) this.files.close(this.fd);
    this.fd = undefined;
  }

  private restart(): void {
    this.close();
    this.fd = this.files.open(this.path, READ_FLAGS, 0);
    this.start = this.end = 0;
    this.atEnd = false;
    this.next = this.base;
  }

  /** Reads more of the file after the unread bytes; false at its end. */
  private fill(): boolean {
    if (this.start > 0) {
      this.buffer.copyWithin(0, this.start, this.end);
      this.end -= this.start;
      this.start = 0;
    }
    if (this.end === this.buffer.length) {
      const larger = new Uint8Array(this.buffer.length * 2); // a frame larger than the buffer
      larger.set(this.buffer);
      this.buffer = larger;
      this.view = new DataView(larger.buffer);
    }
    const got = this.files.read(this.fd!, this.buffer.subarray(this.end));
    if (got === 0) this.atEnd = true;
    this.end += got;
    return got > 0;
  }
}
