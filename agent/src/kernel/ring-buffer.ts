/**
 * Consumer of a BPF ring buffer map (Linux 5.8). The consumer page is mapped read-write, the
 * producer page and the data area read-only. The kernel lays the data area out twice back to
 * back so that a record that wraps is contiguous, but every page mapped counts in the agent's
 * RSS: the data area is mapped once, and a record that wraps is copied in two parts (records
 * are copied out anyway). Busy records stop the drain until the producer commits them;
 * discarded ones are skipped. Readiness comes from the QuickJS event loop.
 */
import type { Sys } from '../sys/types.ts';
import { SharedWords } from './shared-memory.ts';
import { MAP_SHARED, PROT_READ, PROT_WRITE } from './mmap-flags.ts';

const BUSY_BIT = 0x80000000;
const DISCARD_BIT = 0x40000000;
const HEADER_SIZE = 8;

export class RingBufferReader {
  private readonly consumer: ArrayBuffer;
  private readonly producer: ArrayBuffer;
  private readonly consumerWords: SharedWords;
  private readonly producerWords: SharedWords;
  private readonly data: Uint8Array;
  private readonly mask: number;
  private readonly dataOffset: number;

  constructor(
    private readonly sys: Sys,
    readonly mapFd: number,
    readonly size: number,
    private readonly positionWidth: 4 | 8,
  ) {
    const page = sys.pageSize();
    this.consumer = sys.mmap(mapFd, page, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
    this.producer = sys.mmap(mapFd, page + size, PROT_READ, MAP_SHARED, page);
    this.consumerWords = new SharedWords(this.consumer);
    this.producerWords = new SharedWords(this.producer);
    this.data = new Uint8Array(this.producer);
    this.dataOffset = page;
    this.mask = size - 1;
  }

  /** Calls `onRecord` with a copy of every committed record, advancing the consumer position. */
  drain(onRecord: (record: Uint8Array) => void): number {
    let consumed = 0;
    let consumerPos = this.consumerWords.loadPosition(0, this.positionWidth);
    for (;;) {
      const producerPos = this.producerWords.loadPosition(0, this.positionWidth);
      if (consumerPos >= producerPos) return consumed;
      while (consumerPos < producerPos) {
        const headerOffset = this.dataOffset + (consumerPos & this.mask);
        const lengthWord = this.producerWords.load32(headerOffset);
        if (lengthWord & BUSY_BIT) return consumed;
        const length = lengthWord & ~(BUSY_BIT | DISCARD_BIT);
        if (!(lengthWord & DISCARD_BIT)) {
          onRecord(this.copy((consumerPos + HEADER_SIZE) & this.mask, length));
          consumed++;
        }
        consumerPos += (length + HEADER_SIZE + 7) & ~7;
        this.consumerWords.storePosition(0, this.positionWidth, consumerPos);
      }
    }
  }

  /** A copy of `length` bytes from `at` in the data area, continuing at its start past its end. */
  private copy(at: number, length: number): Uint8Array {
    const from = this.dataOffset + at;
    if (at + length <= this.size) return this.data.slice(from, from + length);
    const record = new Uint8Array(length);
    const first = this.size - at;
    record.set(this.data.subarray(from, this.dataOffset + this.size));
    record.set(this.data.subarray(this.dataOffset, this.dataOffset + length - first), first);
    return record;
  }

  /** Bytes committed but not yet consumed. */
  pending(): number {
    return this.producerWords.loadPosition(0, this.positionWidth) - this.consumerWords.loadPosition(0, this.positionWidth);
  }

  close(): void {
    this.sys.munmap(this.consumer);
    this.sys.munmap(this.producer);
  }
}
