/**
 * Dumps a map's entries decoded through the object's BTF, shaped like `bpftool map dump -j`
 * with BTF: `{key, value}` per entry, `{key, values: [{cpu, value}]}` for per-CPU maps. Keys
 * and values without BTF types come out as hex. Global data maps decode as their variables.
 * Decoders are compiled once per type; entries of a batch are views into one buffer.
 */
import type { Btf } from '../btf/btf.ts';
import type { GlobalData } from '../object/index.ts';
import type { BpfMap, MapEntry } from '../kernel/map.ts';
import { roundUp8 } from '../kernel/map.ts';
import { hexBytes, type JsonValue } from './decode/btf-value.ts';
import { DecoderCache } from './decode/compiled-decoder.ts';

export interface DumpedEntry {
  key: JsonValue;
  value?: JsonValue;
  values?: { cpu: number; value: JsonValue }[];
}

export interface TypeIds {
  keyTypeId: number;
  valueTypeId: number;
}

export function decodeEntries(map: BpfMap, entries: MapEntry[], btf: Btf | null, types: TypeIds, global: GlobalData | null): DumpedEntry[] {
  const decoder = btf ? new DecoderCache(btf) : null;
  const decodeKey = (bytes: Uint8Array) => (decoder && types.keyTypeId ? decoder.decode(types.keyTypeId, bytes) : hexBytes(bytes));
  const decodeValue = (bytes: Uint8Array): JsonValue => {
    if (global && decoder) {
      const out: { [name: string]: JsonValue } = {};
      for (const v of global.variables) out[v.name] = decoder.decode(v.typeId, bytes.subarray(v.offset, v.offset + v.size));
      return out;
    }
    return decoder && types.valueTypeId ? decoder.decode(types.valueTypeId, bytes) : hexBytes(bytes);
  };
  return entries.map(({ key, value }) => {
    if (map.perCpuSlots === 0) return { key: decodeKey(key), value: decodeValue(value) };
    const stride = roundUp8(map.spec.valueSize);
    const values = [];
    for (let cpu = 0; cpu < map.perCpuSlots; cpu++) values.push({ cpu, value: decodeValue(value.subarray(cpu * stride, cpu * stride + map.spec.valueSize)) });
    return { key: decodeKey(key), values };
  });
}
