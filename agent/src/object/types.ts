/** The object model of a clang-built BPF object: programs, maps, global data and externs. */
import type { Btf } from '../btf/btf.ts';
import type { BtfExt } from '../btf/ext.ts';
import type { ElfFile } from '../elf/types.ts';
import type { AttachInfo } from './attach.ts';

/** A reference from an instruction to something only known at load time. */
export type LoadTimeReference =
  /** ld_imm64 of a map: the loader writes the map fd into imm, src_reg = BPF_PSEUDO_MAP_FD. */
  | { kind: 'map'; insn: number; map: string }
  /** ld_imm64 of global data: fd of the data map in insn[0].imm, `offset` in insn[1].imm, src_reg = BPF_PSEUDO_MAP_VALUE. */
  | { kind: 'data'; insn: number; map: string; offset: number }
  /** ld_imm64 of a __ksym variable or a kfunc call: needs the kernel's BTF id. */
  | { kind: 'ksym'; insn: number; name: string };

/** A bpf-to-bpf call or callback reference, resolved when subprograms are linked. */
export interface CallReference {
  insn: number;
  /** Instruction index of the callee inside the `.text` section. */
  calleeSectionInsn: number;
}

export interface BpfProgram {
  name: string;
  /** ELF section name without a leading '?'. */
  sectionName: string;
  sectionIndex: number;
  /** Index of the program's first instruction inside its section. */
  sectionInsnOffset: number;
  /** The program's own instructions (a copy; CO-RE and linking edit it). */
  insns: Uint8Array;
  /** False for `SEC("?...")` programs, which libbpf does not load (nor relocate) by default. */
  autoload: boolean;
  /** A `.text` function, linked into the programs that call it. */
  isSubprogram: boolean;
  attach: AttachInfo;
  references: LoadTimeReference[];
  calls: CallReference[];
}

export interface MapDefinition {
  name: string;
  /** Where it was declared: a BTF-defined map in `.maps` or a legacy `maps` entry. */
  origin: 'btf' | 'legacy';
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  /** LIBBPF_PIN_* (0 none, 1 by name). */
  pinning: number;
  numaNode: number;
  mapExtra: bigint;
  /** Local BTF type ids of key and value, 0 when declared by size only. */
  keyTypeId: number;
  valueTypeId: number;
  /** The template of an inner map, for map-in-map types. */
  inner: MapDefinition | null;
  /** Slots of a map-in-map or prog array filled at load time: `values = { [2] = &other }`. */
  initialSlots: { index: number; target: string }[];
  /** Byte offset of the definition inside its ELF section (maps relocations point there). */
  sectionOffset: number;
  /**
   * Whether the loader creates the map (libbpf's bpf_map__set_autocreate). Turned off for a map
   * that only programs left out of the load use, such as the ring buffer of an object whose
   * perf buffer programs run on a kernel older than ring buffers.
   */
  autocreate: boolean;
}

/** A variable inside a global data section, from its BTF DATASEC. */
export interface GlobalVariable {
  name: string;
  typeId: number;
  offset: number;
  size: number;
}

export interface GlobalData {
  /** `.rodata`, `.data`, `.bss`, `.rodata.str1.1`, ... */
  sectionName: string;
  sectionIndex: number;
  readOnly: boolean;
  /** Initial contents (a copy, so rodata constants can be set); zeros for `.bss`. */
  bytes: Uint8Array;
  variables: GlobalVariable[];
}

export type KconfigType = 'bool' | 'char' | 'tristate' | 'int' | 'char_array';

export interface Extern {
  name: string;
  /** `kconfig` (.kconfig section) or `ksym` (.ksyms). */
  section: 'kconfig' | 'ksym';
  weak: boolean;
  typeId: number;
  /** For kconfig externs: the value's type, size, signedness and offset inside the `.kconfig` map. */
  kconfig?: { type: KconfigType; size: number; align: number; signed: boolean; offset: number };
}

export interface BpfObject {
  elf: ElfFile;
  btf: Btf | null;
  btfExt: BtfExt | null;
  license: string;
  kernelVersion: number;
  /** Programs and `.text` subprograms, sorted by section name and offset as libbpf sorts them. */
  programs: BpfProgram[];
  maps: MapDefinition[];
  globals: GlobalData[];
  externs: Extern[];
}
