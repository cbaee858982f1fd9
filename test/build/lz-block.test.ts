/**
 * The compression of the agent's bytecode and assets, end to end: bundler/build/lz-block.ts
 * compresses, and native-arm/lz_block.c (compiled here for the host with a small driver)
 * decompresses. Every input must come back byte for byte; a damaged or truncated block must be
 * refused, never read or written out of bounds (the driver runs under gcc's
 * -fsanitize=address,undefined).
 *
 * Compatibility with LZ4's reference implementation (liblz4, through python3-lz4): blocks liblz4
 * makes, in its fast and its high-compression mode, from the agent's real bytecode and module
 * assets (as linked into build/armhf/mote-agent) and from the inputs above, decode exactly in the C
 * decoder; and blocks the bundler makes, the linked ones included, decode exactly in liblz4.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compressBlock } from '../../bundler/build/lz-block.ts';
import { buildDir, repoRoot } from '../../bundler/paths.ts';
import { liblz4Version, pythonLz4SkipReason, runLz4 } from '../support/python-lz4.ts';

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

/** Builds the decoder's driver once, for every describe block that decodes. */
function buildDriver(): void {
  if (driver) return;
  const dir = mkdtempSync(join(tmpdir(), 'mote-lz-'));
  writeFileSync(join(dir, 'driver.c'), DRIVER);
  execFileSync('gcc', ['-O1', '-g', '-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-I', join(repoRoot, 'native-arm'), '-o', join(dir, 'driver'), join(dir, 'driver.c'), join(repoRoot, 'native-arm', 'lz_block.c')]);
  driver = join(dir, 'driver');
}

interface LinkedBlock { name: string; block: Uint8Array; size: number }

/** A C initializer's decimal bytes. */
const bytesOfInitializer = (body: string) => Uint8Array.from(body.match(/\d+/g) ?? [], Number);

/**
 * The compressed blocks linked into the armhf agent, read from the C files the bundler generated:
 * the bytecode (agent_bytecode.c) and each module asset (agent_assets.c), with their sizes.
 */
function linkedBlocks(): LinkedBlock[] {
  const dir = join(buildDir, 'armhf');
  const read = (file: string) => {
    try {
      return readFileSync(join(dir, file), 'utf8');
    } catch {
      throw new Error(`${join(dir, file)} is missing: run 'npm run build' (npm test does it first)`);
    }
  };
  const bytecodeC = read('agent_bytecode.c');
  const bytecode = /mote_agent_bytecode\[\d+\] = \{([^}]*)\}/.exec(bytecodeC)?.[1];
  const bytecodeSize = /mote_agent_bytecode_size = (\d+)/.exec(bytecodeC)?.[1];
  if (!bytecode || !bytecodeSize) throw new Error(`agent_bytecode.c has no compressed bytecode: rebuild with 'npm run build'`);
  const assetsC = read('agent_assets.c');
  const arrays = new Map([...assetsC.matchAll(/static const uint8_t (asset_\d+)\[\d+\] = \{([^}]*)\}/g)].map((m) => [m[1]!, bytesOfInitializer(m[2]!)]));
  const assets = [...assetsC.matchAll(/\{ "([^"]+)", (asset_\d+), (\d+), (\d+) \}/g)].map((m) => ({ name: m[1]!, block: arrays.get(m[2]!)!, size: Number(m[4]) }));
  if (assets.length === 0) throw new Error(`agent_assets.c links no module assets: rebuild with 'npm run build'`);
  return [{ name: 'bytecode', block: bytesOfInitializer(bytecode), size: Number(bytecodeSize) }, ...assets];
}

describe('lz-block: compressed by the bundler, decompressed by the agent binary\'s C', () => {
  beforeAll(buildDriver);

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

const lz4SkipReason = pythonLz4SkipReason();
if (lz4SkipReason) console.warn(`skipping the LZ4 reference compatibility tests: ${lz4SkipReason}`);

describe.skipIf(lz4SkipReason !== null)('lz-block: compatible with liblz4 (python3-lz4), both ways', () => {
  let linked: LinkedBlock[] = [];
  /** The linked blocks' contents, as the C decoder restores them. */
  let linkedData: Uint8Array[] = [];

  beforeAll(async () => {
    buildDriver();
    console.log(`liblz4 ${liblz4Version()} through python3-lz4`);
    linked = linkedBlocks();
    const decoded = await decode(linked);
    linkedData = decoded.map((data, i) => {
      if (data === null) throw new Error(`the C decoder refused the linked block ${linked[i]!.name}`);
      return data;
    });
  });

  const samples = () => [
    ...Object.entries(INPUTS).map(([name, data]) => ({ name, data })),
    ...linked.map(({ name }, i) => ({ name: `linked ${name}`, data: linkedData[i]! })),
  ];

  it('liblz4 decodes the blocks linked into the armhf agent to what the C decoder does', () => {
    expect(linked.map((l) => l.name)).toContain('bytecode');
    const results = runLz4(linked.map(({ block, size }) => ({ op: 'decompress', data: block, size })));
    results.forEach((result, i) => {
      expect(result, `liblz4 refused ${linked[i]!.name}`).not.toBeNull();
      expect(result!.length, linked[i]!.name).toBe(linked[i]!.size);
      expect(Buffer.compare(result!, Buffer.from(linkedData[i]!)), linked[i]!.name).toBe(0);
    });
  });

  for (const op of ['compress', 'compress-hc'] as const) {
    it(`the C decoder restores exactly what liblz4 ${op === 'compress' ? 'compresses' : 'compresses in high-compression mode'}`, async () => {
      const inputs = samples();
      const blocks = runLz4(inputs.map(({ data }) => ({ op, data })));
      const decoded = await decode(blocks.map((block, i) => {
        if (block === null) throw new Error(`liblz4 could not compress ${inputs[i]!.name}`);
        return { block, size: inputs[i]!.data.length };
      }));
      decoded.forEach((output, i) => {
        expect(output, `the C decoder refused liblz4's block of ${inputs[i]!.name}`).not.toBeNull();
        expect(Buffer.compare(output!, Buffer.from(inputs[i]!.data)), inputs[i]!.name).toBe(0);
      });
    });
  }

  it('liblz4 restores exactly what the bundler compresses', () => {
    const inputs = samples();
    const results = runLz4(inputs.map(({ data }) => ({ op: 'decompress', data: compressBlock(data), size: data.length })));
    results.forEach((result, i) => {
      expect(result, `liblz4 refused the bundler's block of ${inputs[i]!.name}`).not.toBeNull();
      expect(Buffer.compare(result!, Buffer.from(inputs[i]!.data)), inputs[i]!.name).toBe(0);
    });
  });

  it('liblz4 refuses a block the C decoder refuses: a match before the start', async () => {
    const bad = { block: Uint8Array.of(0x10, 65, 2, 0), size: 20 };
    expect(await decode([bad])).toEqual([null]);
    expect(runLz4([{ op: 'decompress', data: bad.block, size: bad.size }])).toEqual([null]);
  });
});
