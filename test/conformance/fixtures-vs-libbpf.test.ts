/**
 * Mote against libbpf on our own fixtures: the CO-RE kind fixtures and the libbpf-tools-style
 * programs, each built for x86 (host vmlinux.h) and arm (armhf vmlinux.h) and relocated against
 * both the host's /sys/kernel/btf/vmlinux and the armhf kernel's BTF. Relocation records and
 * instructions must equal libbpf's. Before comparing, the test checks that the fixtures exercise
 * what they claim (every relocation kind clang emits, 32-bit load resizing and poisoning).
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { inBatches } from '../../bundler/build/in-batches.ts';
import { buildFixtures, FIXTURE_ARCHES, fixtureSources, targetKernels, type BuiltFixture, type TargetKernels } from '../../bundler/fixtures/bpf-fixtures.ts';
import { runOracle, type OracleResult } from '../support/bpf-oracle.ts';
import { engine } from '../support/engine-under-test.ts';
import { differencesFromLibbpf } from '../support/libbpf-comparison.ts';

const TARGETS = ['host', 'armhf'] as const;
type Target = (typeof TARGETS)[number];

let kernels: TargetKernels;
let fixtures: BuiltFixture[];
const oracles = new Map<string, OracleResult>();

const key = (name: string, arch: string, target: Target) => `${name}/${arch}/${target}`;
const oracleFor = (name: string, arch: string, target: Target) => {
  const result = oracles.get(key(name, arch, target));
  if (!result) throw new Error(`no libbpf result for ${key(name, arch, target)}: the fixture did not build`);
  return result;
};
const btfPath = (target: Target) => (target === 'host' ? kernels.host.btfPath : kernels.armhf.btfPath);

beforeAll(async () => {
  kernels = await targetKernels();
  fixtures = await buildFixtures();
  const jobs = fixtures.flatMap((f) => (f.built ? TARGETS.map((t) => async () => oracles.set(key(f.name, f.arch, t), await runOracle(f.objectPath, btfPath(t)))) : []));
  await inBatches(jobs);
});

describe('the fixtures', () => {
  for (const source of fixtureSources()) {
    for (const arch of FIXTURE_ARCHES) {
      it(`${source.group}/${source.name} builds for ${arch}`, (ctx) => {
        const built = fixtures.find((f) => f.path === source.path && f.arch === arch)!;
        if (!built.built && built.expected) {
          console.log(`not built ${source.name} for ${arch}: ${built.reason}`);
          return ctx.skip(built.reason);
        }
        expect(built.built ? 'built' : built.reason).toBe('built');
      });
    }
  }

  it('exercise every CO-RE relocation kind clang emits, and libbpf accepts all of them', () => {
    const kinds = new Set([...oracles.values()].flatMap((o) => o.relocations.map((r) => r.kind)));
    const expected = ['byte_off', 'byte_sz', 'field_exists', 'signed', 'lshift_u64', 'rshift_u64', 'local_type_id', 'target_type_id', 'type_exists', 'type_size', 'enumval_exists', 'enumval_value', 'type_matches'];
    expect([...kinds].sort()).toEqual(expect.arrayContaining(expected));
    expect([...oracles].filter(([, o]) => !o.loaded).map(([k, o]) => `${k}: ${o.failures.join('; ')}`)).toEqual([]);
  });

  it('include at least 10 libbpf-tools-style programs', () => {
    expect(fixtureSources('tools').length).toBeGreaterThanOrEqual(10);
  });

  it('on the 32-bit armhf kernel, resize pointer and unsigned long loads (mem_sz 8 -> 4) and poison a signed long load', () => {
    const relocations = oracleFor('pointer_fields', 'arm', 'armhf').relocations;
    const resized = relocations.filter((r) => r.patches.some((p) => p.field === 'mem_sz' && p.from === 8 && p.to === 4)).map((r) => r.local.split(' ')[1]);
    expect(resized).toEqual(['task_struct.real_parent', 'task_struct.mm', 'task_struct.nvcsw']);
    expect(relocations.filter((r) => r.poisoned).map((r) => r.local.split(' ')[1])).toEqual(['sock.sk_rcvtimeo']);
  });

  it('read task->real_parent->tgid (execsnoop) and sk->__sk_common.skc_family (tcpconnect) with BPF_CORE_READ', () => {
    const locals = (name: string) => oracleFor(name, 'arm', 'armhf').relocations.map((r) => r.local.split(' (')[0]);
    expect(locals('execsnoop')).toEqual(expect.arrayContaining(['struct task_struct.real_parent', 'struct task_struct.tgid']));
    expect(locals('tcpconnect')).toEqual(expect.arrayContaining(['struct sock.__sk_common.skc_family']));
  });
});

describe('Mote relocates each fixture exactly as libbpf does', () => {
  for (const source of fixtureSources()) {
    for (const arch of FIXTURE_ARCHES) {
      for (const target of TARGETS) {
        it(`${source.group}/${source.name}, built for ${arch}, against the ${target} kernel`, (ctx) => {
          const built = fixtures.find((f) => f.path === source.path && f.arch === arch)!;
          if (!built.built) return ctx.skip(`not built: ${built.reason}`);
          const objectPath = built.objectPath;
          const differences = differencesFromLibbpf(oracleFor(source.name, arch, target), () => engine(readFileSync(objectPath), readFileSync(btfPath(target))));
          expect(differences).toEqual([]);
        });
      }
    }
  }
});
