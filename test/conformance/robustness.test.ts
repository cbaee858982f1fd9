/**
 * Robustness of the pure loader core: thousands of mutated ELF objects and BTF blobs, made from
 * real fixture objects (bit flips, truncations, stomps on the ELF header, section headers, BTF
 * header, type records and BTF.ext), each fed to Mote's inspect. Every input must end in a
 * result or a MoteError. Inputs run in the fuzz harness's worker threads (test/support/fuzz/);
 * an input that hangs or fails is reported with its seed, index and description.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, expect, it } from 'vitest';
import { buildFixture, fixtureSources } from '../../bundler/fixtures/bpf-fixtures.ts';
import { rawBtfOf } from '../support/core-reloc-selftests.ts';
import { fuzzInWorkers } from '../support/fuzz/workers.ts';
import type { InspectFuzzData } from '../support/inspect.fuzz.ts';

const INPUTS = 3000;
const SEED_FIXTURES = ['execsnoop', 'bitesize', 'mountsnoop', 'tcpconnect', 'bitfields', 'enum_kinds', 'type_kinds', 'pointer_fields'];

let seeds: Omit<InspectFuzzData, 'mutate'>;

beforeAll(async () => {
  const sources = fixtureSources().filter((s) => SEED_FIXTURES.includes(s.name));
  const built = await Promise.all(sources.flatMap((s) => [buildFixture(s, 'x86'), buildFixture(s, 'arm')]));
  seeds = { objects: [], btfs: [] };
  for (const f of built) {
    if (!f.built) throw new Error(`seed fixture ${f.name} (${f.arch}) does not build: ${f.reason}`);
    seeds.objects.push({ name: `${f.name}.${f.arch}.o`, bytes: new Uint8Array(readFileSync(f.objectPath)) });
    seeds.btfs.push({ name: `${f.name}.${f.arch}.btf`, bytes: new Uint8Array(readFileSync(await rawBtfOf(f.objectPath))) });
  }
});

it(`${INPUTS} mutated objects and BTFs each end in a result or a MoteError, none hangs`, { timeout: 900_000 }, async () => {
  const report = await fuzzInWorkers({
    name: 'robustness',
    seed: 0x0b1ec7,
    inputs: INPUTS,
    target: new URL('../support/inspect.fuzz.ts', import.meta.url),
    data: { ...seeds, mutate: 'either' } satisfies InspectFuzzData,
  });
  console.log(report.summary());
  expect(report.problems.slice(0, 20)).toEqual([]);
  expect(report.finished).toBe(INPUTS);
});
