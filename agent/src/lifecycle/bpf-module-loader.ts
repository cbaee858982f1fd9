/**
 * The ModuleLoader of a device: picks the object for this machine's architecture and the BTF
 * to relocate against (/sys/kernel/btf/vmlinux, else the module's minimized BTF for `uname -r`),
 * chooses the hook variant from feature probes, sets the configured constants, loads and
 * attaches, and returns a RunningModule whose sample() reads the manifest's map or ring buffer
 * into one record over the window since the last sample. A program that fails to load or
 * attach fails the whole module, with the reason (verifier excerpt included).
 *
 * The kernel's own BTF is found once for the loads of one turn of the event loop (the agent
 * loads all its modules in one) and released right after, so it is never held while modules
 * run. CO-RE results come from the relocation cache when it has them, and then the kernel BTF
 * is not even parsed.
 */
import type { Sys } from '../sys/types.ts';
import { flavoursUsed, loadObject, type BpfObject } from '../object/index.ts';
import { findKernelBtf, KERNEL_BTF_PATH } from '../kernel/btf-source.ts';
import { TargetBtf } from '../kernel/loader/target-btf.ts';
import type { RelocationCache } from '../kernel/loader/relocation-cache.ts';
import { FEATURES, FeatureProbes } from '../kernel/features/features.ts';
import { loadAndAttach, type LoadedObject } from '../kernel/loader/loaded-object.ts';
import type { BpfMap } from '../kernel/map.ts';
import { openEventBuffer, type EventBuffer } from '../kernel/event-buffer.ts';
import { roundUp8 } from '../kernel/map.ts';
import { MoteError, isSysError } from '../errors.ts';
import type { ModuleArch, ModuleLoader, ModuleSampleResult, ModuleSettings, ModuleSource, RunningModule } from './module-types.ts';
import { parseManifest, type ModuleManifest, type ReadMode, type RecordSpec } from '../sample/decode/manifest.ts';
import { applyConstants, chooseVariant, selectPrograms } from './module-settings.ts';
import { distinctCauses, ModuleLoadError } from './module-load-error.ts';
import { TypeDecoder } from '../sample/decode/field-format.ts';
import { Accumulator, counterFromCells, entryCells, HistogramState, topFromCells, type DecodedEntry } from '../sample/decode/map-records.ts';
import { CellsRunner } from '../sample/decode/compiled-cells.ts';
import { EventCollector } from '../sample/decode/event-records.ts';
import { MapReader } from '../sample/map-reader.ts';
import { MapType } from '../abi/map-types.ts';
import { type Key, type TelemetryRecord } from '../sample/decode/records.ts';
import { kernelWordSize } from '../kernel/word-size.ts';

export interface BpfModuleLoaderOptions {
  /** Calls `handler` whenever `fd` is readable (null stops); QuickJS: os.setReadHandler. */
  watchReadable: (fd: number, handler: (() => void) | null) => void;
  /** Runs `task` once the current turn of the event loop is over (QuickJS: os.setTimeout 0). */
  afterThisTurn: (task: () => void) => void;
  /** Where CO-RE results are kept across restarts; null relocates every time. */
  relocationCache: RelocationCache | null;
  log: (line: string) => void;
}

/** The architecture family of `uname -m`, as module objects are built. */
export function moduleArch(machine: string): ModuleArch | null {
  if (machine === 'x86_64') return 'x86_64';
  if (/^arm(v[67]|hf)/.test(machine)) return 'armhf';
  return null;
}

/** Reads the record's source each interval and builds the record. */
interface RecordSource {
  read(nowNs: bigint): TelemetryRecord;
  close(): void;
}

export class BpfModuleLoader implements ModuleLoader {
  /** The kernel's own BTF while loads use it; released after the turn. */
  private kernelOwn: TargetBtf | null = null;

  /** `features`: the process's one set of probes, asked once per feature. */
  constructor(private readonly sys: Sys, private readonly features: FeatureProbes, private readonly options: BpfModuleLoaderOptions) {}

  /** Loads and attaches, or throws a ModuleLoadError that names the module once. */
  load(source: ModuleSource, settings: ModuleSettings): RunningModule {
    try {
      return this.loadModule(source, settings);
    } catch (error) {
      if (error instanceof ModuleLoadError || !(error instanceof MoteError || isSysError(error))) throw error;
      throw new ModuleLoadError(source.name, error.message);
    }
  }

  private loadModule(source: ModuleSource, settings: ModuleSettings): RunningModule {
    const manifest = parseManifest(source.manifest);
    const { machine } = this.sys.uname();
    const arch = moduleArch(machine);
    const bytes = arch ? source.objects[arch] : undefined;
    if (!arch || !bytes) {
      const built = Object.keys(source.objects).join(', ') || 'none';
      throw new ModuleLoadError(source.name, `no object for this machine (${machine}); it is built for ${built}. Rebuild the module for ${arch ?? machine}.`);
    }
    const object = loadObject(bytes);
    const unknown = manifest.variants.flatMap((v) => v.requires).filter((name) => !FEATURES.some((f) => f.name === name));
    if (unknown.length) throw new ModuleLoadError(source.name, `its manifest requires unknown kernel features ${unknown.join(', ')}; known: ${FEATURES.map((f) => f.name).join(', ')}`);
    const variant = chooseVariant(manifest, (feature) => this.features.supported(feature), settings.variant);
    selectPrograms(object, manifest, variant);
    applyConstants(object, manifest, settings.constants ?? {});
    const kernel = this.targetBtf(source);
    const cache = this.options.relocationCache;
    let loaded: LoadedObject;
    try {
      loaded = loadAndAttach(this.sys, object, {
        objectName: source.name,
        target: kernel,
        targetPointerSize: kernelWordSize(machine),
        cache: cache ? { store: cache, objectDigest: this.sys.hash(bytes) } : null,
        features: this.features,
        log: () => {},
        attach: { interface: settings.interface ?? manifest.interface, perfFrequencyHz: 99, useLinks: this.features.supported('perf-event links') },
      });
    } finally {
      // A module's own minimized BTF goes now; the kernel's is shared until the turn ends.
      if (kernel !== this.kernelOwn) kernel.release();
    }
    const failed = loaded.programs.filter((p) => p.error !== null);
    if (failed.length) {
      loaded.close();
      throw new ModuleLoadError(source.name, `variant ${variant.name}, BTF ${kernel.source}: ${distinctCauses(failed.map((p) => p.error!))}`);
    }
    let recordSource: RecordSource;
    try {
      recordSource = this.recordSource(manifest, object, loaded, settings);
    } catch (error) {
      loaded.close();
      throw error;
    }
    const flavours = flavoursUsed(loaded.fixups);
    this.options.log(`module '${source.name}' ${source.version}: variant ${variant.name}, ${loaded.programs.length} programs attached, BTF ${kernel.source}${loaded.relocations === 'cached' ? ' (CO-RE from the relocation cache)' : ''}${flavours.length ? `, CO-RE flavours ${flavours.join(' ')}` : ''}`);
    return new KernelRunningModule(this.sys, source, settings.intervalMs ?? manifest.intervalMs, variant.name, loaded, recordSource);
  }

  /** The module's target BTF: the kernel's own is shared by the loads of this turn, another is the module's. */
  private targetBtf(source: ModuleSource): TargetBtf {
    if (this.kernelOwn) return this.kernelOwn;
    const found = findKernelBtf(this.sys, { embedded: source.btfs });
    const target = new TargetBtf(this.sys, found);
    if (found.source !== KERNEL_BTF_PATH) return target;
    this.kernelOwn = target;
    this.options.afterThisTurn(() => {
      target.release();
      if (this.kernelOwn === target) this.kernelOwn = null;
    });
    return target;
  }

  private recordSource(manifest: ModuleManifest, object: BpfObject, loaded: LoadedObject, settings: ModuleSettings): RecordSource {
    const spec = manifest.record;
    if (!object.btf) throw new ModuleLoadError(manifest.name, `the object has no BTF to decode its maps; build it with clang -g`);
    const decoder = new TypeDecoder(object.btf, spec.hints);
    if (spec.kind === 'events') return this.eventSource(manifest, spec, object, loaded, decoder);
    const map = loaded.maps.get(spec.map);
    if (!map) throw new ModuleLoadError(manifest.name, `the manifest samples map '${spec.map}', which the object does not have (it has ${[...loaded.maps.keys()].join(', ')})`);
    const mode = spec.kind === 'gauge' ? 'delta' : spec.read;
    switch (spec.kind) {
      case 'counter': {
        const { cells, close } = this.cellReader(object, spec.map, map, mode, decoder, spec.values);
        const accumulator = new Accumulator(spec.read);
        return { read: () => counterFromCells(accumulator, cells()), close };
      }
      case 'gauge': {
        const { cells, close } = this.cellReader(object, spec.map, map, mode, decoder, spec.values);
        return { read: () => ({ kind: 'gauge', values: cells() }), close };
      }
      case 'top': {
        const { cells, close } = this.cellReader(object, spec.map, map, mode, decoder, spec.values);
        const accumulator = new Accumulator(spec.read);
        return { read: () => topFromCells(accumulator, cells(), settings.topN ?? spec.topN), close };
      }
      case 'histogram': {
        const { decode, close } = this.entryDecoder(object, spec.map, map, mode, decoder);
        const series = spec.series ?? !((map.spec.mapType === MapType.ARRAY || map.spec.mapType === MapType.PERCPU_ARRAY) && map.spec.maxEntries === 1);
        const state = new HistogramState(spec.read, spec.unit, series, spec.buckets);
        return { read: () => state.record(decode()), close };
      }
    }
  }

  /** Reads map `name` (in `mode`) and decodes its entries, per-CPU values summed. */
  private entryDecoder(object: BpfObject, name: string, map: BpfMap, mode: ReadMode, decoder: TypeDecoder): { decode: () => DecodedEntry[]; close: () => void } {
    const definition = object.maps.find((m) => m.name === name);
    const reader = new MapReader(this.sys, map, mode, this.features.supported('batch map operations'));
    const stride = roundUp8(map.spec.valueSize);
    const decode = () =>
      reader.read().map(({ key, value }) => ({
        key: definition?.keyTypeId ? decoder.decode(definition.keyTypeId, key) : Array.from(key).join(','),
        value: definition?.valueTypeId ? decoder.decodeSummed(definition.valueTypeId, value, Math.max(map.perCpuSlots, 1), stride, map.spec.valueSize) : null,
      }));
    return { decode, close: () => reader.close() };
  }

  /**
   * Reads map `name` (in `mode`) into the cells of counter, gauge and top records (`only`
   * narrows the value's fields): compiled from the read's bytes where the key and value types
   * allow it (compiled-cells.ts), else decoded entry by entry and flattened.
   */
  private cellReader(object: BpfObject, name: string, map: BpfMap, mode: ReadMode, decoder: TypeDecoder, only?: string[]): { cells: () => Array<[Key, number]>; close: () => void } {
    const definition = object.maps.find((m) => m.name === name);
    const slots = Math.max(map.perCpuSlots, 1);
    const stride = roundUp8(map.spec.valueSize);
    const compiled = definition?.keyTypeId && definition.valueTypeId ? decoder.compileCells(definition.keyTypeId, definition.valueTypeId, only, slots, stride) : null;
    if (!compiled) {
      const { decode, close } = this.entryDecoder(object, name, map, mode, decoder);
      return { cells: () => entryCells(decode(), only), close };
    }
    const reader = new MapReader(this.sys, map, mode, this.features.supported('batch map operations'));
    const runner = new CellsRunner(compiled, map.spec.keySize, map.spec.valueSize, map.transferValueSize);
    return { cells: () => runner.run(reader.readChunks()), close: () => reader.close() };
  }

  /** How many more records the programs could not reserve since the last call; null when this variant's programs do not count them. */
  private lostCounter(manifest: ModuleManifest, object: BpfObject, loaded: LoadedObject, name: string, decoder: TypeDecoder): { count: () => number; close: () => void } | null {
    if (!object.maps.some((m) => m.name === name)) throw new ModuleLoadError(manifest.name, `the manifest's lostMap '${name}' is not a map of the object`);
    const map = loaded.maps.get(name);
    if (!map) return null;
    const { cells, close } = this.cellReader(object, name, map, 'delta', decoder);
    const accumulator = new Accumulator('delta');
    return { count: () => accumulator.amounts(cells()).reduce((sum, [, amount]) => sum + amount, 0), close };
  }

  /**
   * Events from the ring buffer `map`, or from the perf event array `perfMap` when the variant's
   * programs use that one (kernels before 5.8): the same records, decoded the same way. Drops
   * are the programs' failed reservations (`lostMap`) plus the records the kernel reports lost.
   */
  private eventSource(manifest: ModuleManifest, spec: Extract<RecordSpec, { kind: 'events' }>, object: BpfObject, loaded: LoadedObject, decoder: TypeDecoder): RecordSource {
    const names = [spec.map, ...(spec.perfMap ? [spec.perfMap] : [])];
    const missing = names.filter((name) => !object.maps.some((m) => m.name === name));
    if (missing.length) throw new ModuleLoadError(manifest.name, `the manifest samples events from map '${missing[0]}', which the object does not have (it has ${object.maps.map((m) => m.name).join(', ')})`);
    const map = names.map((name) => loaded.maps.get(name)).find((m) => m !== undefined);
    if (!map) throw new ModuleLoadError(manifest.name, `the programs of this variant use none of the event maps ${names.join(', ')}; name the variant's programs that fill them in the manifest`);
    const expected = map.name === spec.perfMap ? MapType.PERF_EVENT_ARRAY : MapType.RINGBUF;
    if (map.spec.mapType !== expected) throw new ModuleLoadError(manifest.name, `events come from a ${expected === MapType.RINGBUF ? 'ring buffer' : 'perf event array'} map, and '${map.name}' is a ${map.typeName}`);
    const typeId = decoder.typeByName(spec.type);
    if (typeId === null) throw new ModuleLoadError(manifest.name, `the object's BTF has no type '${spec.type}'; keep it with a global of that type in the C`);
    const fields = spec.fields ?? decoder.fieldNames(typeId).filter((name) => name !== spec.timestamp);
    const collector = new EventCollector({ fields, timestamp: spec.timestamp, maxEventsPerSecond: spec.maxEventsPerSecond }, this.sys.monotonicNs());
    const ringBytes = object.maps.find((m) => m.name === spec.map)!.maxEntries;
    const lost = spec.lostMap ? this.lostCounter(manifest, object, loaded, spec.lostMap, decoder) : null;
    let events: EventBuffer;
    try {
      events = openEventBuffer(this.sys, map, { perfBytes: ringBytes });
    } catch (error) {
      lost?.close();
      throw error;
    }
    let kernelLost = 0;
    const drain = () => {
      const now = this.sys.monotonicNs();
      events.drain((bytes) => collector.add(decoder.decode(typeId, bytes), now));
    };
    for (const fd of events.fds) this.options.watchReadable(fd, drain);
    return {
      read: (nowNs) => {
        drain();
        if (lost) collector.addDropped(lost.count());
        collector.addDropped(events.lost - kernelLost);
        kernelLost = events.lost;
        return collector.take(nowNs);
      },
      close: () => {
        for (const fd of events.fds) this.options.watchReadable(fd, null);
        events.close();
        lost?.close();
      },
    };
  }
}

class KernelRunningModule implements RunningModule {
  readonly name: string;
  readonly version: string;
  private windowStartNs: bigint;
  private closed = false;

  constructor(
    private readonly sys: Sys,
    source: ModuleSource,
    readonly intervalMs: number,
    readonly variant: string,
    private readonly loaded: LoadedObject,
    private readonly records: RecordSource,
  ) {
    this.name = source.name;
    this.version = source.version;
    this.windowStartNs = sys.monotonicNs();
  }

  sample(): ModuleSampleResult | null {
    if (this.closed) return null;
    const now = this.sys.monotonicNs();
    const record = this.records.read(now);
    const window = { startMs: Number(this.windowStartNs / 1000n) / 1000, lengthMs: Number((now - this.windowStartNs) / 1000n) / 1000 };
    this.windowStartNs = now;
    return { window, record };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.records.close();
    this.loaded.close();
  }
}
