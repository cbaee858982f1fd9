/**
 * Externs: `.kconfig` values (LINUX_KERNEL_VERSION, CONFIG_*) laid out in a `.kconfig` map the
 * way libbpf lays them out, and `.ksyms` kernel symbols. `resolveKconfig` fills the map from a
 * description of the target kernel.
 */
import type { Btf } from '../btf/btf.ts';
import { type TypeOfKind } from '../btf/kinds.ts';
import { SHN_UNDEF, SymbolBinding, SymbolType } from '../elf/constants.ts';
import type { ElfFile } from '../elf/types.ts';
import { ObjectError } from './errors.ts';
import type { Extern, KconfigType } from './types.ts';
import { IntEncoding, Kind } from '../abi/btf-kinds.ts';

/** Pointer size of the BPF target; kconfig values are laid out as the BPF program sees them. */
const BPF_POINTER_SIZE = 8;

function kconfigType(btf: Btf, id: number): { type: KconfigType; signed: boolean } | null {
  const t = btf.skipModsAndTypedefs(id);
  switch (t.kind) {
    case Kind.INT:
      if (t.encoding & IntEncoding.BOOL) return t.size === 1 ? { type: 'bool', signed: false } : null;
      if (t.size === 1) return { type: 'char', signed: (t.encoding & IntEncoding.SIGNED) !== 0 };
      if (t.size < 1 || t.size > 8 || (t.size & (t.size - 1)) !== 0) return null;
      return { type: 'int', signed: (t.encoding & IntEncoding.SIGNED) !== 0 };
    case Kind.ENUM:
    case Kind.ENUM64:
      return t.name === 'libbpf_tristate' && (t.kind === Kind.ENUM64 || t.size === 4) ? { type: 'tristate', signed: false } : null;
    case Kind.ARRAY:
      return t.count > 0 && kconfigType(btf, t.type)?.type === 'char' ? { type: 'char_array', signed: false } : null;
    default:
      return null;
  }
}

/** Alignment of a type as libbpf's btf__align_of computes it. */
function alignOf(btf: Btf, id: number): number {
  const t = btf.skipModsAndTypedefs(id);
  switch (t.kind) {
    case Kind.INT: case Kind.ENUM: case Kind.ENUM64: case Kind.FLOAT:
      return Math.min(BPF_POINTER_SIZE, t.size);
    case Kind.PTR:
      return BPF_POINTER_SIZE;
    case Kind.ARRAY:
      return alignOf(btf, t.type);
    case Kind.STRUCT: case Kind.UNION:
      return t.members.reduce((max, m) => Math.max(max, alignOf(btf, m.type)), 1);
    default:
      throw new ObjectError(`cannot determine the alignment of ${btf.describe(t.id)}`);
  }
}

/** The DATASEC that lists variable `id`. */
function sectionOf(btf: Btf, id: number): TypeOfKind<typeof Kind.DATASEC> | undefined {
  for (const t of btf.typesOfKind(Kind.DATASEC)) if (t.entries.some((e) => e.type === id)) return t;
  return undefined;
}

export function findExterns(elf: ElfFile, btf: Btf | null): Extern[] {
  const externs: (Extern & { symbolIndex: number })[] = [];
  for (const symbol of elf.symbols) {
    const isExtern = symbol.sectionIndex === SHN_UNDEF && (symbol.binding === SymbolBinding.GLOBAL || symbol.binding === SymbolBinding.WEAK) && symbol.type === SymbolType.NOTYPE;
    if (!isExtern || symbol.name === '') continue;
    if (!btf) throw new ObjectError(`extern '${symbol.name}' needs BTF; compile with clang -g`);
    const variable = btf.idsByName(symbol.name).map((id) => btf.type(id)).find((t) => t.kind === Kind.VAR || t.kind === Kind.FUNC);
    if (!variable || (variable.kind !== Kind.VAR && variable.kind !== Kind.FUNC)) throw new ObjectError(`failed to find BTF for extern '${symbol.name}'; compile with clang -g`);
    const datasec = sectionOf(btf, variable.id);
    if (!datasec) throw new ObjectError(`failed to find the BTF section of extern '${symbol.name}'`);
    const weak = symbol.binding === SymbolBinding.WEAK;
    if (datasec.name === '.kconfig') {
      if (variable.kind === Kind.FUNC) throw new ObjectError(`extern function ${symbol.name} is unsupported under .kconfig`);
      const type = kconfigType(btf, variable.type);
      if (!type) throw new ObjectError(`extern (kcfg) '${symbol.name}': type is unsupported; use bool, char, an integer, enum libbpf_tristate or a char array`);
      const size = btf.resolveSize(variable.type, BPF_POINTER_SIZE);
      externs.push({ name: symbol.name, section: 'kconfig', weak, typeId: variable.type, symbolIndex: symbol.index, kconfig: { ...type, size, align: alignOf(btf, variable.type), offset: 0 } });
    } else if (datasec.name === '.ksyms') {
      externs.push({ name: symbol.name, section: 'ksym', weak, typeId: variable.type, symbolIndex: symbol.index });
    } else {
      throw new ObjectError(`unrecognized extern section '${datasec.name}' of '${symbol.name}'; use __kconfig or __ksym`);
    }
  }
  externs.sort((a, b) => {
    if (a.section !== b.section) return a.section === 'kconfig' ? -1 : 1;
    if (a.kconfig && b.kconfig) {
      if (a.kconfig.align !== b.kconfig.align) return b.kconfig.align - a.kconfig.align;
      if (a.kconfig.size !== b.kconfig.size) return a.kconfig.size - b.kconfig.size;
    }
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  });
  let offset = 0;
  for (const e of externs) {
    if (!e.kconfig) continue;
    e.kconfig.offset = Math.ceil(offset / e.kconfig.align) * e.kconfig.align;
    offset = e.kconfig.offset + e.kconfig.size;
  }
  return externs.map(({ symbolIndex: _, ...e }) => e);
}

/** Bytes of the `.kconfig` map, 0 when the object has no kconfig externs. */
export function kconfigSize(externs: Extern[]): number {
  return externs.reduce((end, e) => (e.kconfig ? Math.max(end, e.kconfig.offset + e.kconfig.size) : end), 0);
}

/**
 * The target kernel as kconfig externs see it: `version` gives LINUX_KERNEL_VERSION, `config`
 * holds /proc/config.gz-style values (`y`, `m`, `n`, numbers, quoted strings), and `extra`
 * any other LINUX_* value by name.
 */
export interface KernelDescription {
  version: { major: number; minor: number; patch: number };
  config: Record<string, string>;
  extra?: Record<string, bigint | boolean>;
}

/** Fills the `.kconfig` map from a kernel description, as libbpf does at load time. */
export function resolveKconfig(externs: Extern[], kernel: KernelDescription): Uint8Array {
  const bytes = new Uint8Array(kconfigSize(externs));
  const view = new DataView(bytes.buffer);
  for (const e of externs) {
    const k = e.kconfig;
    if (!k) continue;
    const writeInt = (value: bigint) => {
      if (k.type !== 'int' && k.type !== 'char' && k.type !== 'bool') throw new ObjectError(`extern (kcfg) '${e.name}': a number cannot go into a ${k.type}`);
      const fits = k.signed ? BigInt.asIntN(k.size * 8, value) === value : BigInt.asUintN(k.size * 8, value) === value;
      if (!fits) throw new ObjectError(`extern (kcfg) '${e.name}': value ${value} does not fit ${k.size} bytes`);
      for (let i = 0; i < k.size; i++) view.setUint8(k.offset + i, Number((value >> BigInt(8 * i)) & 0xffn));
    };
    if (e.name === 'LINUX_KERNEL_VERSION') {
      const { major, minor, patch } = kernel.version;
      writeInt(BigInt((major << 16) + (minor << 8) + Math.min(patch, 255)));
      continue;
    }
    const extra = kernel.extra?.[e.name];
    if (extra !== undefined) {
      writeInt(typeof extra === 'boolean' ? (extra ? 1n : 0n) : extra);
      continue;
    }
    const raw = e.name.startsWith('CONFIG_') ? kernel.config[e.name] : undefined;
    if (raw === undefined) {
      if (!e.weak) throw new ObjectError(`extern (kcfg) '${e.name}': value not found in the kernel description; declare it __weak or add it to the kernel config`);
      continue;
    }
    writeKconfigValue(e.name, k, raw, bytes, writeInt);
  }
  return bytes;
}

function writeKconfigValue(name: string, k: NonNullable<Extern['kconfig']>, raw: string, bytes: Uint8Array, writeInt: (v: bigint) => void): void {
  if (raw === 'y' || raw === 'n' || raw === 'm') {
    const tristate = raw === 'y' ? 1n : raw === 'm' ? 2n : 0n;
    if (k.type === 'tristate') bytes[k.offset] = Number(tristate);
    else if (k.type === 'bool' || k.type === 'char') {
      if (raw === 'm' && k.type === 'bool') throw new ObjectError(`extern (kcfg) '${name}': value 'm' is not a bool; declare it enum libbpf_tristate`);
      bytes[k.offset] = k.type === 'char' ? raw.charCodeAt(0) : Number(tristate);
    } else throw new ObjectError(`extern (kcfg) '${name}': value '${raw}' needs a bool, char or tristate, not ${k.type}`);
    return;
  }
  if (raw.startsWith('"')) {
    if (k.type !== 'char_array') throw new ObjectError(`extern (kcfg) '${name}': string value needs a char array`);
    if (raw.length < 2 || !raw.endsWith('"')) throw new ObjectError(`extern (kcfg) '${name}': invalid string config '${raw}'`);
    const text = raw.slice(1, -1);
    for (let i = 0; i < Math.min(text.length, k.size - 1); i++) bytes[k.offset + i] = text.charCodeAt(i) & 0xff;
    return;
  }
  if (!/^-?(0x[0-9a-fA-F]+|\d+)$/.test(raw)) throw new ObjectError(`extern (kcfg) '${name}': cannot parse value '${raw}'`);
  const negative = raw.startsWith('-');
  const magnitude = BigInt(negative ? raw.slice(1) : raw);
  writeInt(negative ? -magnitude : magnitude);
}
