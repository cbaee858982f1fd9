/**
 * Reading and writing positions in memory shared with the kernel (ring and perf buffers).
 * Atomics give the ordering the producer relies on; a 64-bit position is read as two words,
 * high word checked twice so a carry between the reads is never seen torn.
 */

export class SharedWords {
  private readonly words: Uint32Array;
  constructor(buffer: ArrayBuffer) {
    this.words = new Uint32Array(buffer);
  }

  load32(byteOffset: number): number {
    return Atomics.load(this.words, byteOffset >> 2);
  }

  store32(byteOffset: number, value: number): void {
    Atomics.store(this.words, byteOffset >> 2, value >>> 0);
  }

  /** A position of `width` bytes (4 on 32-bit kernels, 8 on 64-bit), as a Number. */
  loadPosition(byteOffset: number, width: 4 | 8): number {
    if (width === 4) return this.load32(byteOffset);
    for (;;) {
      const high = this.load32(byteOffset + 4);
      const low = this.load32(byteOffset);
      if (this.load32(byteOffset + 4) === high) return high * 2 ** 32 + low;
    }
  }

  storePosition(byteOffset: number, width: 4 | 8, value: number): void {
    if (width === 8) this.store32(byteOffset + 4, Math.floor(value / 2 ** 32));
    this.store32(byteOffset, value % 2 ** 32);
  }
}
