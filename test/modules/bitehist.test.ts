/**
 * bitehist on the real kernel: O_DIRECT writes of known sizes to a loop device (dd, one
 * request per write) appear in that device's size histogram exactly, each in the bucket of its
 * size, and each completed request in its latency histogram.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rootSkipReason } from '../support/agent.ts';
import { recordsOf, sampleWhile } from '../support/module-sampling.ts';

const skipReason = rootSkipReason();
/** [block size, count]: 64 KiB has bit length 17, 16 KiB 15. */
const WRITES: Array<[number, number]> = [[65_536, 4], [16_384, 3]];

function bitLength(value: number): number {
  return value === 0 ? 0 : Math.floor(Math.log2(value)) + 1;
}

function sumSeries(records: NonNullable<ReturnType<typeof recordsOf>>, key: [string, string]): number[] {
  const total: number[] = [];
  for (const record of records) {
    for (const [seriesKey, buckets] of record.series as Array<[unknown, number[]]>) {
      if (JSON.stringify(seriesKey) !== JSON.stringify(key)) continue;
      buckets.forEach((count, i) => (total[i] = (total[i] ?? 0) + count));
    }
  }
  return Array.from(total, (c) => c ?? 0);
}

describe.skipIf(skipReason !== null)('bitehist', () => {
  let dir = '';
  let device = '';

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mote-bitehist-'));
    execFileSync('truncate', ['-s', '16M', join(dir, 'disk.img')]);
    device = execFileSync('losetup', ['--find', '--show', join(dir, 'disk.img')], { encoding: 'utf8' }).trim();
  });

  afterAll(() => {
    if (device) execFileSync('losetup', ['-d', device]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('puts each O_DIRECT write to a loop device in its size bucket', async () => {
    const [major, minor] = readFileSync(`/sys/block/${device.replace('/dev/', '')}/dev`, 'utf8').trim().split(':').map(Number);
    const devT = major * 2 ** 20 + minor;
    const run = await sampleWhile(['bitehist'], ['--set', `bitehist.target_dev=${devT}`], async () => {
      let seek = 0;
      for (const [size, count] of WRITES) {
        execFileSync('dd', ['if=/dev/zero', `of=${device}`, `bs=${size}`, `count=${count}`, `seek=${seek}`, 'oflag=direct', 'status=none']);
        seek += count * 2;
      }
    });
    const records = recordsOf(run, 'bitehist');
    const sizes = sumSeries(records, [`${major}:${minor}`, 'size_bytes']);
    const latencies = sumSeries(records, [`${major}:${minor}`, 'latency_us']);
    const expected: number[] = [];
    for (const [size, count] of WRITES) expected[bitLength(size)] = count;
    expect(sizes).toEqual(Array.from(expected, (c) => c ?? 0));
    expect(latencies.reduce((a, b) => a + b, 0)).toBe(WRITES.reduce((a, [, count]) => a + count, 0));
  });
});
