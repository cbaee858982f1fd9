/**
 * The compression of the agent's bytecode and assets, end to end: bundler/build/lz-block.ts
 * compresses, and native-arm/lz_block.c (compiled here for the host with a small driver)
 * decompresses. Every input must come back byte for byte; a damaged or truncated block must be
 * refused, never read or written out of bounds (the driver runs under gcc's
 * -fsanitize=address,undefined).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compressBlock } from '../../bundler/build/lz-block.ts';
import { repoRoot } from '../../bundler/paths.ts';

/**
 * Reads blocks from stdin, each as its expected size and its length (u32 LE each), then its
 * bytes, each in a buffer of exactly its length (so the sanitizer sees any overread); for each
 * writes 1 and the output, or 0 when the decoder refused it.
 */
const DRIVER = `
#include <stdio.h>
#include <stdlib.h>
#include "lz_block.h"
static int u32(uint32_t *value) { uint8_t b[4]; if (fread(b, 1, 4, stdin) != 4) return -1; *value = b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24; return 0; }
int main(void) {
  uint32_t size, length;
  while (u32(&size) == 0 && u32(&length) == 0) {
    uint8_t *in = malloc(length ? length : 1), *out = malloc(size ? size : 1);
    if (fread(in, 1, length, stdin) != length) return 3;
    int ok = lz_block_decode(in, length, out, size) == 0;
    putchar(ok);
    if (ok) fwrite(out, 1, size, stdout);
    free(in);
    free(out);
  }
  return 0;
}
`;

let driver = '';

/** Decodes each block with the C decoder: its output, or null where the decoder refused it. */
async function decode(blocks: { block: Uint8Array; size: number }[]): Promise<(Buffer | null)[]> {
  const parts = blocks.flatMap(({ block, size }) => {
    const header = Buffer.alloc(8);
    header.writeUInt32LE(size);
    header.writeUInt32LE(block.length, 4);
    return [header, block];
  });
  const child = spawn(driver, { stdio: ['pipe', 'pipe', 'inherit'] });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  child.stdin.end(Buffer.concat(parts));
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  expect(status, 'the decoder crashed or a sanitizer stopped it').toBe(0);
  const output = Buffer.concat(chunks);
  let at = 0;
  return blocks.map(({ size }) => {
    const ok = output[at++] === 1;
    if (!ok) return null;
    at += size;
    return output.subarray(at - size, at);
  });
}

/** Deterministic bytes (xorshift), so a failure reproduces. */
function pseudoRandom(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[i] = state & 0xff;
  }
  return bytes;
}

const INPUTS: Record<string, Uint8Array> = {
  empty: new Uint8Array(0),
  'one byte': Uint8Array.of(7),
  'shorter than a match may start': Uint8Array.from('abcabcabcab', (c) => c.charCodeAt(0)),
  'one long run (overlapping match, long lengths)': new Uint8Array(70_000).fill(0x5a),
  'random (literals only, long literal lengths)': pseudoRandom(5000, 1),
  'random words repeated far apart': (() => {
    const words = pseudoRandom(4096, 2);
    const out = new Uint8Array(200_000);
    const pick = pseudoRandom(200_000, 3);
    for (let i = 0; i < out.length; i += 8) out.set(words.subarray((pick[i]! % 64) * 64, (pick[i]! % 64) * 64 + 8), i);
    return out;
  })(),
  'this test file': readFileSync(join(repoRoot, 'test', 'build', 'lz-block.test.ts')),
};

describe('lz-block: compressed by the bundler, decompressed by the agent binary\'s C', () => {
  beforeAll(() => {
    const dir = mkdtempSync(join(tmpdir(), 'mote-lz-'));
    writeFileSync(join(dir, 'driver.c'), DRIVER);
    driver = join(dir, 'driver');
    execFileSync('gcc', ['-O1', '-g', '-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-I', join(repoRoot, 'native-arm'), '-o', driver, join(dir, 'driver.c'), join(repoRoot, 'native-arm', 'lz_block.c')]);
  });

  for (const [name, input] of Object.entries(INPUTS)) {
    it(`round trip: ${name}`, async () => {
      const [output] = await decode([{ block: compressBlock(input), size: input.length }]);
      expect(output).not.toBeNull();
      expect(Buffer.compare(output!, Buffer.from(input))).toBe(0);
    });
  }

  it('halves repetitive data such as bytecode and BTF', () => {
    const input = INPUTS['random words repeated far apart']!;
    expect(compressBlock(input).length).toBeLessThan(input.length / 2);
  });

  it('keeps the last 5 bytes literal and starts no match in the last 12, as the format asks', () => {
    const block = compressBlock(new Uint8Array(100).fill(1));
    // One match covers bytes 1..94; the last sequence carries the last 5 bytes as literals.
    expect([...block.subarray(-6)]).toEqual([0x50, 1, 1, 1, 1, 1]);
  });

  it('refuses truncated blocks, a wrong size and bad offsets', async () => {
    const input = INPUTS['random words repeated far apart']!;
    const block = compressBlock(input);
    const refused = await decode([
      { block: block.subarray(0, block.length - 1), size: input.length },
      { block, size: input.length + 1 },
      { block, size: input.length - 1 },
      { block: Uint8Array.of(0x0f, 0, 0), size: 10 },
      { block: Uint8Array.of(0x10, 65, 0, 0), size: 20 },
      { block: Uint8Array.of(0x10, 65, 2, 0), size: 20 },
    ]);
    expect(refused).toEqual([null, null, null, null, null, null]);
  });

  it('never reads or writes out of bounds on damaged blocks (under the sanitizers)', async () => {
    const input = INPUTS['random words repeated far apart']!;
    const block = compressBlock(input);
    const damaged = Array.from({ length: 200 }, (_, seed) => {
      const copy = Uint8Array.from(block);
      const noise = pseudoRandom(8, seed + 1);
      copy[(noise[0]! | (noise[1]! << 8) | (noise[2]! << 16)) % copy.length] ^= noise[3]! | 1;
      return { block: copy, size: input.length };
    });
    // A flip inside literals still decodes (to other bytes); the rest are refused. Any access
    // out of bounds stops the driver with a sanitizer report, which decode() fails on.
    expect((await decode(damaged)).length).toBe(200);
  });
});
