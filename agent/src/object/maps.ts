/**
 * Map definitions: BTF-defined maps in `.maps` (the `__uint`/`__type`/`__array` struct
 * convention, inner maps for map-in-map, initial `values` slots), and legacy
 * `struct bpf_map_def` entries in a `maps` section.
 */
import type { Btf } from '../btf/btf.ts';
import { SymbolType } from '../elf/constants.ts';
import type { ElfFile } from '../elf/types.ts';
import { datasecVariables } from './datasec.ts';
import { ObjectError } from './errors.ts';
import type { MapDefinition } from './types.ts';
import { Kind } from '../abi/btf-kinds.ts';

/** Pointer size of the BPF target, where `values` slots live. */
const BPF_POINTER_SIZE = 8;

function emptyMap(name: string, origin: MapDefinition['origin'], sectionOffset: number): MapDefinition {
  return { name, origin, type: 0, keySize: 0, valueSize: 0, maxEntries: 0, flags: 0, pinning: 0, numaNode: 0, mapExtra: 0n, keyTypeId: 0, valueTypeId: 0, inner: null, initialSlots: [], sectionOffset, autocreate: true };
}

/** `__uint(name, N)` is encoded as `int (*name)[N]`: returns N. */
function uintField(btf: Btf, mapName: string, field: string, typeId: number): number {
  const ptr = btf.skipModsAndTypedefs(typeId);
  if (ptr.kind !== Kind.PTR) throw new ObjectError(`map '${mapName}': attr '${field}': expected PTR, got ${btf.describe(ptr.id)}; declare it with __uint()`);
  const array = btf.skipModsAndTypedefs(ptr.type);
  if (array.kind !== Kind.ARRAY) throw new ObjectError(`map '${mapName}': attr '${field}': expected ARRAY, got ${btf.describe(array.id)}; declare it with __uint()`);
  return array.count;
}

/** Parses the struct describing one BTF-defined map (or an inner map template). */
function parseMapStruct(btf: Btf, name: string, typeId: number, sectionOffset: number, isInner: boolean): { def: MapDefinition; valuesOffset: number } {
  const def = emptyMap(name, 'btf', sectionOffset);
  let valuesOffset = -1;
  const t = btf.skipModsAndTypedefs(typeId);
  if (t.kind !== Kind.STRUCT) throw new ObjectError(`map '${name}': definition is ${btf.describe(t.id)}, expected a struct; declare maps as struct { __uint(type, ...); ... } name SEC(".maps")`);
  for (const m of t.members) {
    switch (m.name) {
      case 'type': def.type = uintField(btf, name, m.name, m.type); break;
      case 'max_entries': def.maxEntries = uintField(btf, name, m.name, m.type); break;
      case 'map_flags': def.flags = uintField(btf, name, m.name, m.type); break;
      case 'numa_node': def.numaNode = uintField(btf, name, m.name, m.type); break;
      case 'key_size': def.keySize = uintField(btf, name, m.name, m.type); break;
      case 'value_size': def.valueSize = uintField(btf, name, m.name, m.type); break;
      case 'map_extra': def.mapExtra = BigInt(uintField(btf, name, m.name, m.type)); break;
      case 'pinning': {
        def.pinning = uintField(btf, name, m.name, m.type);
        if (isInner) throw new ObjectError(`map '${name}': inner maps cannot be pinned; remove __uint(pinning, ...)`);
        if (def.pinning > 1) throw new ObjectError(`map '${name}': invalid pinning value ${def.pinning}; use LIBBPF_PIN_NONE or LIBBPF_PIN_BY_NAME`);
        break;
      }
      case 'key':
      case 'value': {
        const ptr = btf.skipModsAndTypedefs(m.type);
        if (ptr.kind !== Kind.PTR) throw new ObjectError(`map '${name}': ${m.name} spec is not PTR: ${btf.describe(ptr.id)}; declare it with __type()`);
        const size = btf.resolveSize(ptr.type, BPF_POINTER_SIZE);
        if (m.name === 'key') {
          def.keyTypeId = ptr.type;
          def.keySize = size;
        } else {
          def.valueTypeId = ptr.type;
          def.valueSize = size;
        }
        break;
      }
      case 'values': {
        if (isInner) throw new ObjectError(`map '${name}': multi-level inner maps are not supported`);
        const array = btf.skipModsAndTypedefs(m.type);
        if (array.kind !== Kind.ARRAY || array.count !== 0) throw new ObjectError(`map '${name}': values spec must be a zero-sized array; declare it with __array(values, ...)`);
        const ptr = btf.skipModsAndTypedefs(array.type);
        if (ptr.kind !== Kind.PTR) throw new ObjectError(`map '${name}': values must be an array of pointers`);
        const pointee = btf.skipModsAndTypedefs(ptr.type);
        if (pointee.kind === Kind.STRUCT) {
          def.inner = parseMapStruct(btf, `${name}.inner`, pointee.id, 0, true).def;
        } else if (pointee.kind !== Kind.FUNC_PROTO) {
          throw new ObjectError(`map '${name}': values must point to map definitions or program prototypes, not ${btf.describe(pointee.id)}`);
        }
        def.valueSize = 4;
        valuesOffset = m.bitOffset / 8;
        break;
      }
      default:
        throw new ObjectError(`map '${name}': unknown field '${m.name}'; remove it or upgrade Mote`);
    }
  }
  if (def.type === 0) throw new ObjectError(`map '${name}': missing map type; add __uint(type, BPF_MAP_TYPE_...)`);
  return { def, valuesOffset };
}

/** BTF-defined maps: one per variable of the `.maps` DATASEC. */
export function parseBtfMaps(elf: ElfFile, btf: Btf | null): MapDefinition[] {
  const section = elf.sectionByName('.maps');
  if (!section) return [];
  if (!btf) throw new ObjectError("the object has a '.maps' section but no BTF; compile with clang -g");
  const variables = datasecVariables(elf, btf, '.maps');
  if (!variables) throw new ObjectError("the BTF has no DATASEC for '.maps'; compile with clang -g");
  const maps = variables.map((v) => ({ ...parseMapStruct(btf, v.name, v.typeId, v.offset, false), size: v.size }));
  for (const rel of elf.relocationsFor(section.index)) {
    const owner = maps.find((m) => rel.offset >= m.def.sectionOffset && rel.offset < m.def.sectionOffset + m.size);
    const symbol = elf.symbols[rel.symbolIndex]!;
    if (!owner || owner.valuesOffset < 0 || rel.offset < owner.def.sectionOffset + owner.valuesOffset) {
      throw new ObjectError(`'.maps' relocation at offset ${rel.offset} against '${symbol.name}' is not inside a 'values' array`);
    }
    const index = (rel.offset - owner.def.sectionOffset - owner.valuesOffset) / BPF_POINTER_SIZE;
    owner.def.initialSlots.push({ index, target: symbol.name });
  }
  return maps.map(({ def }) => def);
}

/** Legacy `struct bpf_map_def` maps: the `maps` section is split evenly between its symbols. */
export function parseLegacyMaps(elf: ElfFile): MapDefinition[] {
  const section = elf.sectionByName('maps');
  if (!section) return [];
  const symbols = elf.symbols.filter((s) => s.sectionIndex === section.index && s.type !== SymbolType.SECTION).sort((a, b) => a.value - b.value);
  if (symbols.length === 0) return [];
  if (section.data.length !== section.size) throw new ObjectError("the 'maps' section has no contents; legacy map definitions must be initialized");
  const size = section.size / symbols.length;
  if (!Number.isInteger(size) || size < 20) throw new ObjectError(`'maps' section of ${section.size} bytes cannot hold ${symbols.length} struct bpf_map_def entries`);
  const view = new DataView(section.data.buffer, section.data.byteOffset, section.data.byteLength);
  return symbols.map((symbol) => {
    if (symbol.value % size !== 0 || symbol.value + size > section.size) throw new ObjectError(`legacy map '${symbol.name}' at offset ${symbol.value} is misaligned in the 'maps' section`);
    const at = symbol.value;
    return {
      ...emptyMap(symbol.name, 'legacy', at),
      type: view.getUint32(at, true),
      keySize: view.getUint32(at + 4, true),
      valueSize: view.getUint32(at + 8, true),
      maxEntries: view.getUint32(at + 12, true),
      flags: view.getUint32(at + 16, true),
    };
  });
}
