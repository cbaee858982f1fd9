/**
 * `mote inspect --json --insns` as a user runs it, on every fixture built for arm, against the
 * armhf kernel's BTF: the JSON must list every relocation libbpf makes, in libbpf's vocabulary,
 * and the same instructions, as libbpf does on the same inputs.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { inBatches } from '../../bundler/build/in-batches.ts';
import { buildFixtures, targetKernels, type BuiltFixture } from '../../bundler/fixtures/bpf-fixtures.ts';
import { repoRoot } from '../../bundler/paths.ts';
import { runOracle, type OracleResult } from '../support/bpf-oracle.ts';
import type { EngineResult } from '../support/engine-under-test.ts';
import { differencesFromLibbpf } from '../support/libbpf-comparison.ts';

const run = promisify(execFile);
const MOTE = join(repoRoot, 'bundler', 'cli', 'mote.mjs');

interface CliRun {
  oracle: OracleResult;
  json?: EngineResult;
  failure?: string;
}

let fixtures: BuiltFixture[];
const runs = new Map<string, CliRun>();

beforeAll(async () => {
  const armhfBtf = (await targetKernels()).armhf.btfPath;
  fixtures = (await buildFixtures()).filter((f) => f.arch === 'arm');
  await inBatches(
    fixtures.map((f) => async () => {
      if (!f.built) return;
      const oracle = await runOracle(f.objectPath, armhfBtf);
      try {
        const { stdout } = await run(process.execPath, [MOTE, 'inspect', f.objectPath, '--btf', armhfBtf, '--json', '--insns'], { maxBuffer: 64 << 20 });
        runs.set(f.name, { oracle, json: JSON.parse(stdout) as EngineResult });
      } catch (err) {
        runs.set(f.name, { oracle, failure: String((err as { stderr?: string }).stderr || err) });
      }
    }),
  );
});

describe('mote inspect --json --insns, arm objects against the armhf kernel', () => {
  it('runs on every fixture that builds and lists every relocation libbpf makes, as libbpf makes it', () => {
    const problems: string[] = [];
    for (const f of fixtures) {
      if (!f.built) {
        console.log(`not built ${f.name}: ${f.reason}`);
        continue;
      }
      const r = runs.get(f.name)!;
      if (r.failure !== undefined) {
        if (r.oracle.loaded) problems.push(`${f.name}: mote inspect failed where libbpf succeeds: ${r.failure}`);
        continue;
      }
      const json = r.json!;
      for (const d of differencesFromLibbpf(r.oracle, () => json)) problems.push(`${f.name}: ${d}`);
    }
    expect(problems).toEqual([]);
  });
});
