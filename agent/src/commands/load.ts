/**
 * `mote-agent load <obj.o>`: the device's `bpftool prog loadall` plus `bpftool map dump`.
 * Relocates an arbitrary CO-RE object against the kernel's BTF, loads it, attaches every
 * program (failures reported by name, the rest still run), consumes ring and perf buffers,
 * waits, prints every map decoded through the object's BTF, and detaches everything (also on
 * SIGINT or SIGTERM).
 */
import * as os from 'os';
import * as std from 'std';
import type { AgentCommand } from './command.ts';
import { numberOption, parseAgentArgs } from './args.ts';
import { loadObject, setRodata, type BpfObject } from '../object/index.ts';
import { findKernelBtf } from '../kernel/btf-source.ts';
import { TargetBtf } from '../kernel/loader/target-btf.ts';
import { agentRelocationCache } from './relocation-cache.ts';
import type { RelocationCache } from '../kernel/loader/relocation-cache.ts';
import type { FeatureCache } from '../kernel/features/feature-cache.ts';
import { agentBtfDigests, agentFeatureCache, agentFeatureProbes } from './feature-probes.ts';
import { loadAndAttach, type LoadedObject } from '../kernel/loader/loaded-object.ts';
import { openEventBuffer } from '../kernel/event-buffer.ts';
import { decodeEntries } from '../sample/map-dump.ts';
import type { MapChunk, MapEntry } from '../kernel/map.ts';
import { hexBytes } from '../sample/decode/btf-value.ts';
import type { Sys } from '../sys/types.ts';
import { ArgumentError } from './args.ts';
import { MapType } from '../abi/map-types.ts';
import { isSysError } from '../errors.ts';
import { kernelWordSize } from '../kernel/word-size.ts';

const USAGE = `usage: mote-agent load <object.bpf.o> [options]
  --btf <file>          relocate against this BTF instead of the kernel's
  --cache-dir <dir>     keep CO-RE results and feature probe answers there and reuse them (default: none)
  --seconds <n>         how long the programs run before the dump (default 1)
  --set <name=value>    set a 'const volatile' global before load (repeatable)
  --interface <name>    interface for socket filters (default lo)
  --perf-hz <n>         sampling frequency of perf_event programs (default 99)
  --perf-pages <n>      data pages per CPU of perf event array buffers (default 8)
  --dump <how>          batch, iterate or auto (default auto: batch where supported)
  --no-attach           load only (verify the object), attach nothing
  --events              include ring/perf buffer records (hex) in the output
  --verifier-log        print the full verifier log of a refused program to stderr
  --verbose             print every CO-RE relocation, libbpf style
  --json                print the result as one JSON document`;

interface BufferState {
  name: string;
  count: number;
  lost: number;
  records: string[];
  drain(): void;
  close(): void;
}

function log(line: string): void {
  std.err.puts(`${line}\n`);
}

/** Little-endian bytes of an integer `value` (decimal or 0x hex) for a global of `size` bytes. */
function encodeConstant(text: string, size: number): Uint8Array {
  let value: bigint;
  try {
    value = BigInt(text);
  } catch {
    throw new ArgumentError(`load: --set value '${text}' is not an integer`);
  }
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = Number((value >> BigInt(8 * i)) & 0xffn);
  return bytes;
}

function applyConstants(object: BpfObject, settings: string[]): void {
  for (const setting of settings) {
    const match = setting.match(/^([A-Za-z_][A-Za-z0-9_]*)=(.+)$/);
    if (!match) throw new ArgumentError(`load: --set takes name=value, not '${setting}'`);
    const variable = object.globals.flatMap((g) => g.variables).find((v) => v.name === match[1]);
    setRodata(object.globals, match[1], encodeConstant(match[2], variable?.size ?? 0));
  }
}

function openBuffers(sys: Sys, loaded: LoadedObject, keepRecords: boolean, perfPages: number): BufferState[] {
  const states: BufferState[] = [];
  for (const [name, map] of loaded.maps) {
    if (map.spec.mapType !== MapType.RINGBUF && map.spec.mapType !== MapType.PERF_EVENT_ARRAY) continue;
    const buffer = openEventBuffer(sys, map, { perfPagesPerCpu: perfPages });
    const state: BufferState = {
      name, count: 0, lost: 0, records: [],
      drain: () => {
        buffer.drain((record) => {
          state.count++;
          if (keepRecords) state.records.push(hexBytes(record));
        });
        state.lost = buffer.lost;
      },
      close: () => {
        for (const fd of buffer.fds) os.setReadHandler(fd, null);
        buffer.close();
      },
    };
    for (const fd of buffer.fds) os.setReadHandler(fd, state.drain);
    states.push(state);
  }
  return states;
}

function oneChunkEach(entries: MapEntry[]): MapChunk[] {
  return entries.map(({ key, value }) => ({ keys: key, values: value, count: 1 }));
}

function dumpMaps(sys: Sys, loaded: LoadedObject, object: BpfObject, how: string, batchSupported: boolean) {
  const dumps = [];
  for (const [name, map] of loaded.maps) {
    const type = map.spec.mapType;
    if (type === MapType.RINGBUF || type === MapType.PERF_EVENT_ARRAY || type === MapType.PROG_ARRAY || type === MapType.ARRAY_OF_MAPS || type === MapType.HASH_OF_MAPS) continue;
    const started = sys.monotonicNs();
    const useBatch = how === 'batch' || (how === 'auto' && batchSupported);
    let entries;
    let method = useBatch ? 'batch' : 'iterate';
    try {
      entries = useBatch ? map.chunksByBatch() : oneChunkEach(map.entriesByIteration());
    } catch (error) {
      if (how !== 'auto' || !isSysError(error)) throw error;
      method = 'iterate';
      entries = oneChunkEach(map.entriesByIteration());
    }
    const def = object.maps.find((m) => m.name === name);
    const global = object.globals.find((g) => g.sectionName === name) ?? null;
    const types = { keyTypeId: def?.keyTypeId ?? 0, valueTypeId: def?.valueTypeId ?? 0 };
    const decoded = decodeEntries(map, entries, object.btf, types, global);
    dumps.push({ name, type: map.typeName, method, dumpMs: Number(sys.monotonicNs() - started) / 1e6, entries: decoded });
  }
  return dumps;
}

export const loadCommand: AgentCommand = {
  name: 'load',
  summary: 'load and attach a CO-RE object, wait, dump its maps, detach',
  run(sys, args) {
    if (args.includes('--help')) {
      print(USAGE);
      return 0;
    }
    const parsed = parseAgentArgs('load', args, {
      btf: { value: true }, 'cache-dir': { value: true }, seconds: { value: true }, set: { value: true, repeat: true }, interface: { value: true },
      'perf-hz': { value: true }, 'perf-pages': { value: true }, dump: { value: true }, events: {}, 'no-attach': {}, 'verifier-log': {}, verbose: {}, json: {},
    });
    if (parsed.positionals.length !== 1) throw new ArgumentError(`load: expected one object file\n${USAGE}`);
    const path = parsed.positionals[0];
    const how = (parsed.options.dump as string | undefined) ?? 'auto';
    if (!['auto', 'batch', 'iterate'].includes(how)) throw new ArgumentError(`load: --dump must be batch, iterate or auto, not '${how}'`);
    const seconds = numberOption('load', parsed, 'seconds', 1);

    const bytes = sys.mapFile(path);
    const object = loadObject(bytes);
    applyConstants(object, (parsed.options.set as string[] | undefined) ?? []);
    const kernelBtf = findKernelBtf(sys, { explicitPath: parsed.options.btf as string | undefined });
    const target = new TargetBtf(sys, kernelBtf);
    const cacheDir = parsed.options['cache-dir'] as string | undefined;
    let cache: { store: RelocationCache; objectDigest: string } | null = null;
    let featureCache: FeatureCache | null = null;
    if (cacheDir) {
      const digests = agentBtfDigests(sys, cacheDir, log); // one kernel BTF digest for both caches
      cache = { store: agentRelocationCache(sys, cacheDir, log, digests), objectDigest: sys.hash(bytes) };
      featureCache = agentFeatureCache(sys, cacheDir, log, digests);
    }
    const features = agentFeatureProbes(sys, featureCache);
    const objectName = (path.split('/').pop() ?? 'obj').replace(/\.bpf\.o$|\.o$/, '');
    const loaded = loadAndAttach(sys, object, {
      objectName, target, targetPointerSize: kernelWordSize(sys.uname().machine), cache, features, log,
      ...(parsed.options.verbose ? { relocationLog: log } : {}),
      attach: parsed.options['no-attach'] ? null : { interface: (parsed.options.interface as string | undefined) ?? 'lo', perfFrequencyHz: numberOption('load', parsed, 'perf-hz', 99), useLinks: features.supported('perf-event links') },
    });
    const parsedTarget = target.wasParsed;
    target.release();
    let buffers: BufferState[] = [];
    try {
      buffers = openBuffers(sys, loaded, parsed.options.events === true, numberOption('load', parsed, 'perf-pages', 8));
    } catch (error) {
      loaded.close();
      throw error;
    }
    const loadOnly = parsed.options['no-attach'] === true;
    const attached = loaded.programs.filter((p) => (loadOnly ? p.fd !== null : p.link !== null)).length;
    log(`mote-agent: ${attached} of ${loaded.programs.length} programs ${loadOnly ? 'loaded' : 'attached'} (BTF: ${kernelBtf.source}); running for ${seconds} s`);
    if (parsed.options['verifier-log']) for (const p of loaded.programs) if (p.verifierLog) log(`prog '${p.program.name}': full verifier log:\n${p.verifierLog}`);

    return new Promise<number>((resolve) => {
      let finished = false;
      const finish = () => {
        if (finished) return;
        finished = true;
        os.signal(os.SIGINT, null);
        os.signal(os.SIGTERM, null);
        for (const buffer of buffers) buffer.drain();
        let code = attached === loaded.programs.length ? 0 : attached === 0 ? 1 : 2;
        try {
          const result = {
            object: path,
            btf: kernelBtf.source,
            relocations: loaded.relocations,
            targetBtfParsed: parsedTarget,
            ...(cache ? { relocationCache: cache.store.counters } : {}),
            featureProbes: features.counts,
            programs: loaded.programs.map((p) => ({ name: p.program.name, section: p.program.sectionName, attached: p.link?.description ?? null, error: p.error })),
            maps: dumpMaps(sys, loaded, object, how, features.supported('batch map operations')),
            buffers: buffers.map((b) => ({ name: b.name, records: b.count, lost: b.lost, ...(parsed.options.events ? { data: b.records } : {}) })),
          };
          featureCache?.keep(features);
          print(parsed.options.json ? JSON.stringify(result) : JSON.stringify(result, null, 2));
        } catch (error) {
          log(`mote-agent load: ${error instanceof Error ? error.message : String(error)}`);
          code = 1;
        } finally {
          for (const buffer of buffers) buffer.close();
          loaded.close();
        }
        resolve(code);
      };
      os.signal(os.SIGINT, finish);
      os.signal(os.SIGTERM, finish);
      os.setTimeout(finish, seconds * 1000);
    });
  },
};
