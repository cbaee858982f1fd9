/**
 * The report behind `mote inspect`: programs, maps, global data, externs and every CO-RE
 * relocation of an object against a target BTF, as plain JSON-ready values. Relocations use
 * libbpf's vocabulary and numbering, so they can be compared with libbpf's debug log.
 */
import { Btf } from '../btf/btf.ts';
import { apply, relocate } from './core/index.ts';
import { insnsToHex } from '../abi/insn.ts';
import { loadObject } from './load.ts';
import { jsonInteger, JsonInteger } from '../bytes/json-integer.ts';

/** A u64 as a JSON number when exact, else as a decimal string. */

export interface InspectReport {
  programs: {
    name: string;
    section: string;
    kind: string;
    target: string;
    programType: number;
    license: string;
    autoload: boolean;
    subprogram: boolean;
    insnCount: number;
    insns?: string;
  }[];
  maps: {
    name: string;
    origin: string;
    type: number;
    keySize: number;
    valueSize: number;
    maxEntries: number;
    flags: number;
    pinning: number;
    inner: { type: number; keySize: number; valueSize: number; maxEntries: number } | null;
    initialSlots: { index: number; target: string }[];
  }[];
  globals: { section: string; size: number; readOnly: boolean; variables: { name: string; offset: number; size: number }[] }[];
  externs: { name: string; section: string; weak: boolean; type: string | null; size: number | null; offset: number | null }[];
  relocations: {
    prog: string;
    relo: number;
    insn: number;
    kind: string;
    local: string;
    target: string | null;
    patches: { field: string; from: JsonInteger; to: JsonInteger }[];
    poisoned: boolean;
  }[];
}

export interface InspectOptions {
  /** Add each program's relocated instructions (before subprograms are appended) as hex. */
  insns?: boolean;
  /** Receives libbpf-shaped relocation log lines. */
  log?: (line: string) => void;
  /** Pointer size for a target BTF without `long` (see RelocateOptions). */
  fallbackPointerSize?: number;
}

export function inspectObject(objectBytes: Uint8Array, targetBtfBytes: Uint8Array, options: InspectOptions = {}): InspectReport {
  const object = loadObject(objectBytes);
  const fixups = relocate(object, Btf.parse(targetBtfBytes), { log: options.log, fallbackPointerSize: options.fallbackPointerSize });
  apply(object, fixups);
  return {
    programs: object.programs.map((p) => ({
      name: p.name,
      section: p.sectionName,
      kind: p.attach.kind,
      target: p.attach.target,
      programType: p.attach.programType,
      license: object.license,
      autoload: p.autoload,
      subprogram: p.isSubprogram,
      insnCount: p.insns.length / 8,
      ...(options.insns ? { insns: insnsToHex(p.insns) } : {}),
    })),
    maps: object.maps.map((m) => ({
      name: m.name,
      origin: m.origin,
      type: m.type,
      keySize: m.keySize,
      valueSize: m.valueSize,
      maxEntries: m.maxEntries,
      flags: m.flags,
      pinning: m.pinning,
      inner: m.inner ? { type: m.inner.type, keySize: m.inner.keySize, valueSize: m.inner.valueSize, maxEntries: m.inner.maxEntries } : null,
      initialSlots: m.initialSlots,
    })),
    globals: object.globals.map((g) => ({
      section: g.sectionName,
      size: g.bytes.length,
      readOnly: g.readOnly,
      variables: g.variables.map((v) => ({ name: v.name, offset: v.offset, size: v.size })),
    })),
    externs: object.externs.map((e) => ({
      name: e.name,
      section: e.section,
      weak: e.weak,
      type: e.kconfig?.type ?? null,
      size: e.kconfig?.size ?? null,
      offset: e.kconfig?.offset ?? null,
    })),
    relocations: fixups.map((f) => ({
      prog: f.program,
      relo: f.relo,
      insn: f.insn,
      kind: f.kind,
      local: f.local,
      target: f.target,
      patches: f.patches.map((p) => ({ field: p.field, from: jsonInteger(p.from), to: jsonInteger(p.to) })),
      poisoned: f.poisoned,
    })),
  };
}
