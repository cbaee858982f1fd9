/**
 * Creates an object's maps in the kernel: BTF-defined and legacy maps (inner map templates
 * first; maps whose autocreate is off are left out), global data sections as one-entry arrays (`.rodata` frozen after its constants are
 * written), and the `.kconfig` map. Sizes the kernel derives are filled as libbpf does:
 * perf event arrays get one slot per possible CPU, ring buffers a page-multiple power of two.
 */
import type { Sys } from '../../sys/types.ts';
import type { BpfObject, MapDefinition } from '../../object/index.ts';
import { KCONFIG_MAP, resolveKconfig, type KernelDescription } from '../../object/index.ts';
import type { MapCreateAttr } from '../bpf-attr.ts';
import { LoadError } from '../errors.ts';
import type { FeatureProbes } from '../features/features.ts';
import { BpfMap } from '../map.ts';
import { MapFlag, MapType } from '../../abi/map-types.ts';
import { isSysError } from '../../errors.ts';

/** Map types whose keys and values cannot carry BTF types. */
const NO_BTF_TYPES = new Set<number>([MapType.PERF_EVENT_ARRAY, MapType.STACK_TRACE, MapType.ARRAY_OF_MAPS, MapType.HASH_OF_MAPS, MapType.PROG_ARRAY, MapType.RINGBUF]);

export interface MapContext {
  sys: Sys;
  object: BpfObject;
  /** Prefix of global data map names (the object's file name), as libbpf names them. */
  objectName: string;
  btfFd: number | null;
  possibleCpus: number;
  features: FeatureProbes;
  kernel: KernelDescription;
}

function roundUpPowerOfTwo(value: number, minimum: number): number {
  let size = minimum;
  while (size < value) size *= 2;
  return size;
}

/** Creates with BTF types when possible; retries without them if the kernel refuses (as libbpf). */
function createWithBtfFallback(ctx: MapContext, attr: MapCreateAttr): BpfMap {
  try {
    return BpfMap.create(ctx.sys, attr, ctx.possibleCpus);
  } catch (error) {
    if (!attr.btfFd || !isSysError(error, 'EINVAL')) throw error;
    return BpfMap.create(ctx.sys, { ...attr, btfFd: 0, btfKeyTypeId: 0, btfValueTypeId: 0 }, ctx.possibleCpus);
  }
}

function definitionAttr(ctx: MapContext, def: MapDefinition, innerMapFd: number): MapCreateAttr {
  let maxEntries = def.maxEntries;
  if (def.type === MapType.PERF_EVENT_ARRAY && maxEntries === 0) maxEntries = ctx.possibleCpus;
  if (def.type === MapType.RINGBUF) maxEntries = roundUpPowerOfTwo(maxEntries, ctx.sys.pageSize());
  const withBtf = ctx.btfFd !== null && !NO_BTF_TYPES.has(def.type) && def.keyTypeId > 0 && def.valueTypeId > 0;
  return {
    mapType: def.type, keySize: def.keySize, valueSize: def.valueSize, maxEntries, mapFlags: def.flags,
    innerMapFd, numaNode: def.numaNode, name: def.name, mapExtra: def.mapExtra,
    ...(withBtf ? { btfFd: ctx.btfFd!, btfKeyTypeId: def.keyTypeId, btfValueTypeId: def.valueTypeId } : {}),
  };
}

function createDefinedMap(ctx: MapContext, def: MapDefinition): BpfMap {
  let inner: BpfMap | null = null;
  try {
    if (def.inner) inner = createWithBtfFallback(ctx, definitionAttr(ctx, def.inner, 0));
    return createWithBtfFallback(ctx, definitionAttr(ctx, def, inner?.fd ?? 0));
  } catch (error) {
    throw new LoadError(`${(error as Error).message}`, { map: def.name });
  } finally {
    inner?.close();
  }
}

/** A one-entry array holding `bytes`; read-only ones are frozen after the write. */
function createDataMap(ctx: MapContext, name: string, bytes: Uint8Array, readOnly: boolean, valueTypeId: number): BpfMap {
  const mmapable = ctx.features.supported('mmapable arrays') ? MapFlag.MMAPABLE : 0;
  const attr: MapCreateAttr = {
    mapType: MapType.ARRAY, keySize: 4, valueSize: bytes.length, maxEntries: 1,
    mapFlags: (readOnly ? MapFlag.RDONLY_PROG : 0) | mmapable, name,
    ...(ctx.btfFd !== null && valueTypeId ? { btfFd: ctx.btfFd, btfKeyTypeId: 0, btfValueTypeId: valueTypeId } : {}),
  };
  const map = createWithBtfFallback(ctx, attr);
  try {
    map.update(new Uint8Array(4), bytes);
    if (readOnly) map.freeze();
  } catch (error) {
    map.close();
    throw new LoadError(`${(error as Error).message}`, { map: name });
  }
  return map;
}

function dataMapName(objectName: string, section: string): string {
  return `${objectName.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 15 - Math.min(section.length, 7))}${section.slice(0, 7)}`;
}

/** Every map of the object, by the name references use (map name, or data section name). */
export function createMaps(ctx: MapContext): Map<string, BpfMap> {
  const maps = new Map<string, BpfMap>();
  try {
    for (const def of ctx.object.maps) if (def.autocreate) maps.set(def.name, createDefinedMap(ctx, def));
    for (const data of ctx.object.globals) {
      const datasec = ctx.object.btf?.idsByName(data.sectionName)[0] ?? 0;
      if (!data.readOnly && !ctx.features.supported('global data')) ctx.features.require('global data');
      maps.set(data.sectionName, createDataMap(ctx, dataMapName(ctx.objectName, data.sectionName), data.bytes, data.readOnly, datasec));
    }
    if (ctx.object.externs.some((e) => e.kconfig)) {
      const bytes = resolveKconfig(ctx.object.externs, ctx.kernel);
      maps.set(KCONFIG_MAP, createDataMap(ctx, dataMapName(ctx.objectName, KCONFIG_MAP), bytes, true, ctx.object.btf?.idsByName(KCONFIG_MAP)[0] ?? 0));
    }
  } catch (error) {
    for (const map of maps.values()) map.close();
    throw error;
  }
  return maps;
}
