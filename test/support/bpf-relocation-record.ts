/**
 * One CO-RE relocation in the vocabulary `mote inspect --json` and the libbpf oracle share:
 * `{prog, relo, insn, kind, local, target, patches, poisoned}`, where `local` and `target` are
 * libbpf's spec strings without the `<kind> [type id]` prefix, and each patch is one change
 * libbpf's log reports (`imm`, `off`, `mem_sz` or `imm64`, old and new value).
 */
export type PatchField = 'imm' | 'off' | 'mem_sz' | 'imm64';

export interface RelocationPatch {
  field: PatchField;
  from: number | string;
  to: number | string;
}

export interface RelocationRecord {
  prog: string;
  relo: number;
  insn: number | null;
  kind: string;
  local: string;
  target: string | null;
  patches: RelocationPatch[];
  poisoned: boolean;
}
