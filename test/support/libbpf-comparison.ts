/**
 * Compares one relocation by Mote with the same relocation by libbpf (the oracle) and lists
 * every difference in words: the verdict (accepted or rejected), each relocation record, and
 * the instructions of every program libbpf loads (Mote may list .text subprograms besides).
 * An empty list means "same as libbpf".
 */
import { MoteError } from '../../agent/src/errors.ts';
import type { OracleResult } from './bpf-oracle.ts';
import type { RelocationRecord } from './bpf-relocation-record.ts';
import type { EngineResult } from './engine-under-test.ts';
import { instructionDifferences } from './insn-compare.ts';

/** A record reduced to the shared vocabulary, values as decimal strings. */
function canonical(r: RelocationRecord): string {
  return JSON.stringify({
    prog: r.prog,
    relo: r.relo,
    insn: r.insn,
    kind: r.kind,
    local: r.local,
    target: r.target,
    patches: r.patches.map((p) => ({ field: p.field, from: String(p.from), to: String(p.to) })),
    poisoned: r.poisoned,
  });
}

function byProgAndRelo(a: RelocationRecord, b: RelocationRecord): number {
  return a.prog === b.prog ? a.relo - b.relo : a.prog < b.prog ? -1 : 1;
}

export function differencesFromLibbpf(oracle: OracleResult, relocateWithMote: () => EngineResult): string[] {
  let mote: EngineResult;
  try {
    mote = relocateWithMote();
  } catch (err) {
    if (!(err instanceof MoteError)) throw err;
    return oracle.loaded ? [`Mote rejected what libbpf accepts: ${err.message}`] : [];
  }
  if (!oracle.loaded) return [`libbpf rejects this (${oracle.failures.join('; ') || `error ${oracle.error}`}), Mote accepted it`];

  const differences: string[] = [];
  const ours = [...mote.relocations].sort(byProgAndRelo).map(canonical);
  const theirs = [...oracle.relocations].sort(byProgAndRelo).map(canonical);
  for (let i = 0; i < Math.max(ours.length, theirs.length); i++) {
    if (ours[i] !== theirs[i]) differences.push(`relocation ${i}:\n  libbpf ${theirs[i] ?? '(none)'}\n  mote   ${ours[i] ?? '(none)'}`);
  }
  const moteByName = new Map(mote.programs.map((p) => [p.name, p.insns]));
  const subprograms = mote.programs.filter((p) => p.subprogram).map((p) => p.insns);
  for (const program of oracle.programs) {
    const insns = moteByName.get(program.name);
    if (insns === undefined) {
      differences.push(`program '${program.name}': libbpf loads it, Mote has no such program`);
      continue;
    }
    for (const d of instructionDifferences(program.insns, insns, subprograms)) {
      differences.push(`program '${program.name}': insn #${d.index}: libbpf ${d.libbpf}, mote ${d.mote || '(missing)'}`);
    }
  }
  return differences;
}
