/**
 * A relocated object turned into kernel objects: CO-RE relocation against the target BTF (or
 * its result from the relocation cache, checked against the instructions), the object's BTF,
 * its maps, then every autoload program, loaded and attached. A program that fails to load or
 * attach is reported by name and the others still run. close() detaches every link and closes
 * every fd, in reverse order of creation.
 */
import type { Sys } from '../../sys/types.ts';
import { apply, fixupsFit, relocate, type BpfObject, type BpfProgram, type CoreFixup } from '../../object/index.ts';
import type { Link } from '../attach/link.ts';
import { possibleCpuCount } from '../cpus.ts';
import type { FeatureProbes } from '../features/features.ts';
import { VerifierError } from '../errors.ts';
import type { BpfMap } from '../map.ts';
import { attachProgram, type AttachOptions } from './attach-program.ts';
import { createMaps } from './create-maps.ts';
import { describeKernel, versionCode } from './kernel-description.ts';
import { liftMemlockLimit } from '../memlock.ts';
import { findAttachBtfId, loadObjectProgram } from './load-program.ts';
import type { TargetBtf } from './target-btf.ts';
import type { CachedRelocations, RelocationCache, RelocationKey } from './relocation-cache.ts';
import { poisonedRelocationMessage } from './poisoned-relocation.ts';
import { loadObjectBtf } from './object-btf.ts';

export interface LoadObjectOptions {
  objectName: string;
  /** BTF CO-RE relocates against (the kernel's, or a minimized one for it); parsed only on a cache miss. */
  target: TargetBtf;
  /** Pointer size of the target kernel, for minimized BTFs without `long`. */
  targetPointerSize: number;
  /** The relocation cache and the digest of the object file (Sys.hash); null relocates every time. */
  cache: { store: RelocationCache; objectDigest: string } | null;
  features: FeatureProbes;
  /** Where to attach; null loads the programs without attaching them. */
  attach: AttachOptions | null;
  log: (line: string) => void;
  /** Receives libbpf-shaped CO-RE lines (`prog 'x': relo #3: ...`); verbose runs only. */
  relocationLog?: (line: string) => void;
}

export interface ProgramState {
  program: BpfProgram;
  fd: number | null;
  link: Link | null;
  /** Why the program is not running, when it is not. */
  error: string | null;
  /** The whole verifier log, when the verifier refused the program. */
  verifierLog: string | null;
}

export class LoadedObject {
  private closed = false;
  constructor(
    private readonly sys: Sys,
    readonly maps: Map<string, BpfMap>,
    readonly programs: ProgramState[],
    private readonly btfFd: number | null,
    /** What CO-RE did to the programs, relocation by relocation. */
    readonly fixups: CoreFixup[],
    /** Whether the fixups came from the relocation cache or were made by this load. */
    readonly relocations: 'cached' | 'relocated',
  ) {}

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const state of [...this.programs].reverse()) {
      state.link?.detach();
      if (state.fd !== null) this.sys.close(state.fd);
    }
    for (const map of [...this.maps.values()].reverse()) map.close();
    if (this.btfFd !== null) this.sys.close(this.btfFd);
  }
}

interface CoreResult extends CachedRelocations {
  key: RelocationKey | null;
  cached: boolean;
}

/** The fixups from the cache when an entry fits the object, else from relocation against the target. */
function coreFixups(object: BpfObject, options: LoadObjectOptions): CoreResult {
  const { cache } = options;
  const programs = object.programs.filter((p) => !p.isSubprogram && p.autoload).map((p) => p.name);
  const key = cache ? cache.store.keyFor(cache.objectDigest, options.target.hash(cache.store.digests), programs, options.targetPointerSize) : null;
  const entry = cache && key ? cache.store.lookup(key) : null;
  if (entry && fixupsFit(object, entry.fixups)) return { ...entry, key, cached: true };
  if (entry) cache!.store.misfit(key!);
  const fixups = relocate(object, options.target.btf(), { log: options.relocationLog, fallbackPointerSize: options.targetPointerSize });
  return { fixups, attachBtfIds: {}, key, cached: false };
}

export function loadAndAttach(sys: Sys, object: BpfObject, options: LoadObjectOptions): LoadedObject {
  liftMemlockLimit(sys);
  const core = coreFixups(object, options);
  const { fixups } = core;
  apply(object, fixups);
  const btf = loadObjectBtf(sys, object, options.features);
  if (btf.skipped) options.log(`object '${options.objectName}': loading without BTF: ${btf.skipped}`);
  let maps: Map<string, BpfMap>;
  try {
    maps = createMaps({
      sys, object, objectName: options.objectName, btfFd: btf.fd, possibleCpus: possibleCpuCount(sys), features: options.features, kernel: describeKernel(sys),
    });
  } catch (error) {
    if (btf.fd !== null) sys.close(btf.fd);
    throw error;
  }
  const loaded = new LoadedObject(sys, maps, [], btf.fd, fixups, core.cached ? 'cached' : 'relocated');
  const kernelVersion = versionCode(sys.uname().release);
  let learned = false;
  const attachBtfId = (program: BpfProgram) => {
    const known = core.attachBtfIds[program.name];
    if (known !== undefined) return known;
    learned = true;
    return (core.attachBtfIds[program.name] = findAttachBtfId(options.target, program));
  };
  for (const program of object.programs) {
    if (program.isSubprogram || !program.autoload) continue;
    const state: ProgramState = { program, fd: null, link: null, error: null, verifierLog: null };
    loaded.programs.push(state);
    try {
      state.fd = loadObjectProgram({ sys, object, maps, btfFd: btf.fd, attachBtfId, kernelVersion }, program).fd;
      if (options.attach) {
        state.link = attachProgram(sys, state.fd, program, options.attach);
        options.log(`prog '${program.name}': attached (${state.link.description})`);
      }
    } catch (error) {
      state.error = error instanceof Error ? error.message : String(error);
      if (error instanceof VerifierError) {
        state.verifierLog = error.fullLog;
        state.error = poisonedRelocationMessage(error, fixups) ?? state.error;
      }
      options.log(state.error.startsWith('prog ') ? state.error : `prog '${program.name}': ${state.error}`);
    }
  }
  if (options.cache && core.key && (!core.cached || learned)) options.cache.store.store(core.key, { fixups, attachBtfIds: core.attachBtfIds });
  return loaded;
}
