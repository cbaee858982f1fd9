/**
 * Turns libbpf's debug log into RelocationRecords. For each `prog 'p': relo #n:` group it reads
 * the local spec line, the first `matching candidate` (the one libbpf keeps as the target), the
 * `patched insn #i (...) field a -> b` lines and `substituting insn #i w/ invalid insn` (poison;
 * an ld_imm64 is poisoned second half first, so the record's insn is the smallest index).
 * Values above 2^53 stay decimal strings so nothing is rounded.
 */
import type { PatchField, RelocationPatch, RelocationRecord } from './bpf-relocation-record.ts';

const RELO_LINE = /^libbpf: prog '([^']+)': relo #(\d+): (.*)$/;
const SPEC = /^<(\w+)> \[\d+\] (.*)$/;
const MATCHING = /^matching candidate #\d+ (<\w+> \[\d+\] .*)$/;
const PATCHED = /^patched insn #(\d+) \((?:ALU\/ALU64|LDX\/ST\/STX|LDIMM64)\) (imm64|imm|off|mem_sz) (\d+) -> (\d+)$/;
const POISONED = /^substituting insn #(\d+) w\/ invalid insn$/;

function numberOrString(decimal: string): number | string {
  const n = Number(decimal);
  return Number.isSafeInteger(n) ? n : decimal;
}

export function relocationsFromLibbpfLog(log: string): RelocationRecord[] {
  const records = new Map<string, RelocationRecord>();
  for (const line of log.split('\n').map((l) => l.trimStart())) {
    const m = RELO_LINE.exec(line);
    if (!m) continue;
    const [, prog, reloText, rest] = m as unknown as [string, string, string, string];
    const key = `${prog}#${reloText}`;
    const spec = SPEC.exec(rest);
    if (spec) {
      records.set(key, { prog, relo: Number(reloText), insn: null, kind: spec[1]!, local: spec[2]!, target: null, patches: [], poisoned: false });
      continue;
    }
    const record = records.get(key);
    if (!record) continue;
    const matching = MATCHING.exec(rest);
    if (matching) {
      record.target ??= SPEC.exec(matching[1]!)![2]!;
      continue;
    }
    const patched = PATCHED.exec(rest);
    if (patched) {
      record.insn = Number(patched[1]);
      const patch: RelocationPatch = { field: patched[2] as PatchField, from: numberOrString(patched[3]!), to: numberOrString(patched[4]!) };
      record.patches.push(patch);
      continue;
    }
    const poisoned = POISONED.exec(rest);
    if (poisoned) {
      record.poisoned = true;
      const insn = Number(poisoned[1]);
      record.insn = record.insn === null ? insn : Math.min(record.insn, insn);
    }
  }
  return [...records.values()];
}

/** libbpf's warnings about a failed relocation (`failed to relocate`, `ambiguity`...), if any. */
export function relocationFailures(log: string): string[] {
  return log
    .split('\n')
    .filter((l) => RELO_LINE.test(l) && /failed|ambiguity|unexpected|unrecognized|doesn't support|can't be/.test(l))
    .map((l) => l.replace(/^libbpf: /, ''));
}
