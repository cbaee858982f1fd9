/**
 * Conformance with libbpf on libbpf's own CO-RE selftest pairs (test_core_reloc_*.c relocated
 * against btf__core_reloc_*.c), taken from Debian's linux-source. The pairs and which of them
 * must fail come from prog_tests/core_reloc.c itself. For every pair, Mote must do exactly what
 * libbpf 1.1 does: the same relocation records and instructions where libbpf accepts, an error
 * where libbpf rejects. Pairs that cannot run here are skipped by name with the reason, and a
 * summary line says how many ran, passed and were excluded.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inBatches } from '../../bundler/build/in-batches.ts';
import { headerDirFor, targetKernels } from '../../bundler/fixtures/bpf-fixtures.ts';
import { runOracle, type OracleResult } from '../support/bpf-oracle.ts';
import type { CoreRelocCase } from '../support/core-reloc-cases.ts';
import { buildSelftestObject, extractSelftests, findLinuxSourceTarball, rawBtfOf, selftestCases, sourceOf, type SelftestTree } from '../support/core-reloc-selftests.ts';
import { engine } from '../support/engine-under-test.ts';
import { differencesFromLibbpf } from '../support/libbpf-comparison.ts';

type Prepared = { excluded: string } | { excluded?: undefined; objectPath: string; btfPath: string; oracle: OracleResult };

const tarball = findLinuxSourceTarball();
if (tarball === undefined) throw new Error("no /usr/src/linux-source-*.tar.xz: install Debian's linux-source package ('apt-get install linux-source')");
const tree = await extractSelftests(tarball);
const cases = await selftestCases(tree);

const prepared = new Map<string, Prepared>();
const outcomes = new Map<string, 'passed' | 'differs'>();

/** A `#if ... __clang_major__ >= N` guard that compiles the test body out on clang `ours`. */
function clangGuard(source: string, ours: number): string | undefined {
  for (const line of readFileSync(source, 'utf8').split('\n')) {
    const m = /^#if.*__clang_major__\s*>=\s*(\d+)/.exec(line);
    if (m && ours < Number(m[1])) return line.trim();
  }
  return undefined;
}

async function prepare(tree: SelftestTree, c: CoreRelocCase, headerDir: string, hostBtf: string): Promise<Prepared> {
  if (c.needsTestmod) return { excluded: "needs the BTF of the bpf_testmod kernel module, which is built with the kernel selftests and not shipped by Debian" };
  const object = await buildSelftestObject(tree, c.bpfObjFile, headerDir);
  if (!object.built) return { excluded: `clang ${object.clangMajor} cannot build ${c.bpfObjFile}: ${object.reason}` };
  let btfPath = hostBtf;
  if (c.btfSrcFile !== null) {
    const target = await buildSelftestObject(tree, c.btfSrcFile, headerDir);
    if (!target.built) return { excluded: `clang ${target.clangMajor} cannot build ${c.btfSrcFile}: ${target.reason}` };
    btfPath = await rawBtfOf(target.path);
  }
  const oracle = await runOracle(object.path, btfPath);
  const guard = clangGuard(sourceOf(tree, c.bpfObjFile), object.clangMajor);
  if (oracle.relocations.length === 0 && guard !== undefined) {
    return { excluded: `clang ${object.clangMajor} compiles the test body out ('${guard}' in ${c.bpfObjFile.replace('.bpf.o', '.c')}), leaving no CO-RE relocation to compare` };
  }
  return { objectPath: object.path, btfPath, oracle };
}

beforeAll(async () => {
  const kernels = await targetKernels();
  const headerDir = headerDirFor(kernels, 'x86');
  const results = await inBatches(cases.map((c) => () => prepare(tree, c, headerDir, kernels.host.btfPath)));
  cases.forEach((c, i) => prepared.set(c.name, results[i]!));
});

afterAll(() => {
  const excluded = cases.filter((c) => prepared.get(c.name)?.excluded !== undefined);
  const ran = cases.length - excluded.length;
  const passed = [...outcomes.values()].filter((o) => o === 'passed').length;
  const reasons = new Map<string, string[]>();
  for (const c of excluded) {
    const reason = prepared.get(c.name)!.excluded!.replace(/ \('.*' in .*?\)/, '').replace(/: .*/, '');
    reasons.set(reason, [...(reasons.get(reason) ?? []), c.name]);
  }
  const why = [...reasons].map(([reason, names]) => `${names.length} because ${reason} (${names.join(', ')})`).join('; ');
  const differ = ran - passed === 0 ? '' : `, ${ran - passed} ran and do not (yet) agree`;
  console.log(`CO-RE selftest pairs: ${passed} of ${cases.length} in core_reloc.c ran and agree with libbpf${differ}; ${excluded.length} excluded: ${why}`);
});

describe('libbpf, the oracle', () => {
  it('rejects every pair the selftests expect to fail, by an error or a poisoned instruction, and accepts the others', () => {
    const disagreements: string[] = [];
    for (const c of cases) {
      const p = prepared.get(c.name)!;
      if (p.excluded !== undefined) continue;
      const rejects = !p.oracle.loaded || p.oracle.relocations.some((r) => r.poisoned);
      if (c.fails && !rejects) disagreements.push(`${c.name}: expected to fail, libbpf relocated it cleanly`);
      if (!c.fails && !p.oracle.loaded) disagreements.push(`${c.name}: expected to work, libbpf failed: ${p.oracle.failures.join('; ')}`);
    }
    expect(disagreements).toEqual([]);
  });
});

describe('Mote relocates each selftest pair exactly as libbpf does', () => {
  for (const c of cases) {
    it(`${c.name}${c.fails ? ' (must fail)' : ''}`, async (ctx) => {
      const p = prepared.get(c.name)!;
      if (p.excluded !== undefined) {
        console.log(`excluded ${c.name}: ${p.excluded}`);
        return ctx.skip(`excluded: ${p.excluded}`);
      }
      const differences = differencesFromLibbpf(p.oracle, () => engine(readFileSync(p.objectPath), readFileSync(p.btfPath)));
      outcomes.set(c.name, differences.length === 0 ? 'passed' : 'differs');
      expect(differences).toEqual([]);
    });
  }
});
