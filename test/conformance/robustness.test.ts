/**
 * Robustness of the pure loader core: thousands of mutated ELF objects and BTF blobs, made from
 * real fixture objects (bit flips, truncations, stomps on the ELF header, section headers, BTF
 * header, type records and BTF.ext), each fed to Mote's inspect. Every input must end in a
 * result or a MoteError. Inputs run in worker threads; an input that takes longer than the hang
 * guard is reported by number and description (regenerate it with prng(number)).
 */
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { beforeAll, expect, it } from 'vitest';
import { buildFixture, fixtureSources } from '../../bundler/fixtures/bpf-fixtures.ts';
import { rawBtfOf } from '../support/core-reloc-selftests.ts';
import type { FuzzJob, FuzzMessage, FuzzSeed } from '../support/fuzz-worker.ts';
import { elfRegions } from '../support/mutations.ts';

const INPUTS = 3000;
const WORKERS = 2;
/** Far above the few milliseconds an input takes: only a hang trips it. */
const HANG_GUARD_MS = 10_000;
const SEED_FIXTURES = ['execsnoop', 'bitesize', 'mountsnoop', 'tcpconnect', 'bitfields', 'enum_kinds', 'type_kinds', 'pointer_fields'];

interface Tally {
  outcomes: Map<string, number>;
  errorClasses: Map<string, number>;
  untyped: string[];
  hangs: string[];
  fatal: string[];
}

let objects: FuzzSeed[];
let btfs: FuzzSeed[];

beforeAll(async () => {
  const sources = fixtureSources().filter((s) => SEED_FIXTURES.includes(s.name));
  const built = await Promise.all(sources.flatMap((s) => [buildFixture(s, 'x86'), buildFixture(s, 'arm')]));
  objects = [];
  btfs = [];
  for (const f of built) {
    if (!f.built) throw new Error(`seed fixture ${f.name} (${f.arch}) does not build: ${f.reason}`);
    const bytes = new Uint8Array(readFileSync(f.objectPath));
    const btfSection = elfRegions(bytes).find((r) => r.name === '.BTF')!;
    objects.push({ name: `${f.name}.${f.arch}.o`, bytes, btfOffset: btfSection.offset });
    btfs.push({ name: `${f.name}.${f.arch}.btf`, bytes: new Uint8Array(readFileSync(await rawBtfOf(f.objectPath))) });
  }
});

function runWorker(job: FuzzJob, tally: Tally): Promise<void> {
  return new Promise((resolve) => {
    const worker = new Worker(new URL('../support/fuzz-worker.mjs', import.meta.url), { workerData: job });
    let current: { input: number; description: string } | undefined;
    let guard: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(guard);
      guard = setTimeout(() => {
        tally.hangs.push(current ? `input ${current.input} (${current.description}) ran over ${HANG_GUARD_MS} ms` : `worker did not start within ${HANG_GUARD_MS} ms`);
        void worker.terminate();
      }, HANG_GUARD_MS);
    };
    arm();
    worker.on('message', (m: FuzzMessage) => {
      if (m.type === 'fatal') tally.fatal.push(m.message);
      else if (m.type === 'start') current = { input: m.input, description: m.description };
      else {
        tally.outcomes.set(m.outcome, (tally.outcomes.get(m.outcome) ?? 0) + 1);
        if (m.errorClass && m.outcome === 'typed error') tally.errorClasses.set(m.errorClass, (tally.errorClasses.get(m.errorClass) ?? 0) + 1);
        if (m.outcome === 'untyped error') tally.untyped.push(`input ${m.input} (${current?.description}): ${m.message}`);
      }
      arm();
    });
    worker.on('error', (err) => tally.fatal.push(`worker crashed: ${err.stack ?? err}`));
    worker.on('exit', () => {
      clearTimeout(guard);
      resolve();
    });
  });
}

it(`${INPUTS} mutated objects and BTFs each end in a result or a MoteError, none hangs`, { timeout: 900_000 }, async () => {
  const tally: Tally = { outcomes: new Map(), errorClasses: new Map(), untyped: [], hangs: [], fatal: [] };
  const perWorker = INPUTS / WORKERS;
  await Promise.all(Array.from({ length: WORKERS }, (_, w) => runWorker({ objects, btfs, first: w * perWorker, count: perWorker }, tally)));
  const finished = [...tally.outcomes.values()].reduce((a, b) => a + b, 0);
  console.log(
    `robustness: ${finished} of ${INPUTS} inputs finished: ${[...tally.outcomes].map(([o, n]) => `${n} ${o}`).join(', ')}; ` +
      `typed errors by class: ${[...tally.errorClasses].map(([c, n]) => `${c} ${n}`).join(', ')}`,
  );
  expect(tally.fatal).toEqual([]);
  expect(tally.hangs).toEqual([]);
  expect(tally.untyped.slice(0, 20)).toEqual([]);
  expect(finished).toBe(INPUTS);
});
