/**
 * Dumps a map's entries decoded through the object's BTF, shaped like `bpftool map dump -j`
 * with BTF: `{key, value}` per entry, `{key, values: [{cpu, value}]}` for per-CPU maps. Keys
 * and values without BTF types come out as hex. Global data maps decode as their variables.
 * Decoders are compiled once per type and called at each entry's offset into a batch's buffers.
 */
import type { Btf } from '../btf/btf.ts';
import type { GlobalData } from '../object/index.ts';
import type { BpfMap, MapChunk } from '../kernel/map.ts';
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

/** The whole of `buffer` as a DataView and bytes, for compiled decoders called at offsets into it. */
function wholeOf(bytes: Uint8Array): { view: DataView; whole: Uint8Array } {
  return { view: new DataView(bytes.buffer), whole: new Uint8Array(bytes.buffer) };
}

/**
 * The entries of `chunks` (a batch read's buffers whole, or one chunk per entry), decoded with
 * the compiled decoders called at each entry's offset: no view per entry.
 */
export function decodeEntries(map: BpfMap, chunks: MapChunk[], btf: Btf | null, types: TypeIds, global: GlobalData | null): DumpedEntry[] {
  const decoders = btf ? new DecoderCache(btf) : null;
  const keyDecoder = decoders && types.keyTypeId ? decoders.get(types.keyTypeId) : null;
  const valueDecoder = decoders && types.valueTypeId && !global ? decoders.get(types.valueTypeId) : null;
  const variables = decoders && global ? global.variables.map((v) => ({ ...v, decode: decoders.get(v.typeId) })) : null;
  const { keySize, valueSize } = map.spec;
  const stride = map.perCpuSlots > 0 ? roundUp8(valueSize) : valueSize;
  const decodeValue = (view: DataView, whole: Uint8Array, at: number): JsonValue => {
    if (variables) {
      const out: { [name: string]: JsonValue } = {};
      for (const v of variables) out[v.name] = v.decode(view, whole, at + v.offset, at + v.offset + v.size);
      return out;
    }
    return valueDecoder ? valueDecoder(view, whole, at, at + valueSize) : hexBytes(whole.subarray(at, at + valueSize));
  };
  const out: DumpedEntry[] = [];
  for (const { keys, values, count } of chunks) {
    const k = wholeOf(keys);
    const v = wholeOf(values);
    for (let i = 0, ko = keys.byteOffset, vo = values.byteOffset; i < count; i++, ko += keySize, vo += map.transferValueSize) {
      const key = keyDecoder ? keyDecoder(k.view, k.whole, ko, ko + keySize) : hexBytes(k.whole.subarray(ko, ko + keySize));
      if (map.perCpuSlots === 0) {
        out.push({ key, value: decodeValue(v.view, v.whole, vo) });
        continue;
      }
      const perCpu = [];
      for (let cpu = 0; cpu < map.perCpuSlots; cpu++) perCpu.push({ cpu, value: decodeValue(v.view, v.whole, vo + cpu * stride) });
      out.push({ key, values: perCpu });
    }
  }
  return out;
}
