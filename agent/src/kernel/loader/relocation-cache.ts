/**
 * CO-RE results kept on disk, so that a restart on the same kernel skips relocation and never
 * parses the kernel's BTF. An entry is keyed by (object digest and the programs it loads, target
 * BTF digest, agent version and build) and holds the fixups and the attach_btf_ids of tracing
 * programs. Files are `<dir>/core-<object>-<btf>.json` (cache-file.ts: replaced atomically, the
 * first line the digest of the rest), so a truncated or damaged file is recognised, counted,
 * logged and rebuilt, never used. Writing an object's entry for one BTF removes its entries
 * for others (the kernel changed). Before use, every cached patch is checked against the instruction it
 * replaces (object/core fixupsFit). A directory that cannot be written costs the cache, not the
 * load.
 */
import type { Sys } from '../../sys/types.ts';
import type { CoreFixup, Patch, PatchField } from '../../object/index.ts';
import { CacheFileError, readCacheFile, writeCacheFile } from '../cache-file.ts';
import { isSysError } from '../../errors.ts';
import { BtfDigests } from '../btf-digest.ts';

/** Under the agent's state directory, which `mote-agent setup` gives to the agent's user. */
export const DEFAULT_CACHE_DIR = '/var/lib/mote/cache';

const FORMAT = 1;
const PATCH_FIELDS: readonly PatchField[] = ['imm', 'off', 'mem_sz', 'imm64'];

/** What an entry is for: a hit needs every part equal. */
export interface RelocationKey {
  /** Digest of the object file. */
  object: string;
  /** Digest of the target BTF. */
  btf: string;
  /** The programs loaded (relocations of others are not made). */
  programs: string[];
  /** Pointer size assumed for a target BTF without `long`. */
  pointerSize: number;
  /** Agent version and build. */
  agent: string;
}

export interface CachedRelocations {
  fixups: CoreFixup[];
  /** attach_btf_id of each tracing program, by program name. */
  attachBtfIds: Record<string, number>;
}

/** An entry that is there but cannot be used: truncated, damaged, or not an entry. */
export class RelocationCacheError extends CacheFileError {}

export interface RelocationCacheCounters {
  hits: number;
  misses: number;
  /** Entries ignored as damaged (and rebuilt). */
  damaged: number;
  /** Entries that could not be written. */
  writeFailures: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function bigintText(value: unknown): bigint {
  if (typeof value !== 'string' || !/^-?\d+$/.test(value)) throw new RelocationCacheError(`a patch value '${String(value)}' is not an integer`);
  return BigInt(value);
}

function readPatch(value: unknown): Patch {
  if (!isRecord(value) || !PATCH_FIELDS.includes(value.field as PatchField)) throw new RelocationCacheError('a patch has no known field');
  return { field: value.field as PatchField, from: bigintText(value.from), to: bigintText(value.to) };
}

function readFixup(value: unknown): CoreFixup {
  if (!isRecord(value)) throw new RelocationCacheError('a fixup is not an object');
  const { program, relo, insn, kind, local, localType, target, patches, poisoned } = value;
  const texts = [program, kind, local, localType].every((t) => typeof t === 'string');
  const numbers = [relo, insn].every((n) => Number.isInteger(n) && (n as number) >= 0);
  if (!texts || !numbers || (target !== null && typeof target !== 'string') || typeof poisoned !== 'boolean' || !Array.isArray(patches)) {
    throw new RelocationCacheError('a fixup lacks a field or has one of the wrong type');
  }
  return {
    program: program as string, relo: relo as number, insn: insn as number, kind: kind as string, local: local as string,
    localType: localType as string, target: target as string | null, patches: patches.map(readPatch), poisoned,
  };
}

function sameKey(stored: Record<string, unknown>, key: RelocationKey): boolean {
  return stored.object === key.object && stored.btf === key.btf && stored.agent === key.agent && stored.pointerSize === key.pointerSize &&
    Array.isArray(stored.programs) && stored.programs.join('\n') === key.programs.join('\n');
}

export class RelocationCache {
  readonly counters: RelocationCacheCounters = { hits: 0, misses: 0, damaged: 0, writeFailures: 0 };
  private warnedWrite = false;

  /** Digests of target BTFs for the keys: the kernel's own is taken once per boot and kept in `dir`. */
  readonly digests: BtfDigests;

  /** `agent`: the agent's version and build; entries of another are not used. `digests`: shared with the feature cache. */
  constructor(private readonly sys: Sys, readonly dir: string, private readonly agent: string, private readonly log: (line: string) => void, digests?: BtfDigests) {
    this.digests = digests ?? new BtfDigests(sys, dir, agent, log);
  }

  keyFor(objectDigest: string, btfDigest: string, programs: string[], pointerSize: number): RelocationKey {
    return { object: objectDigest, btf: btfDigest, programs, pointerSize, agent: this.agent };
  }

  /** The entry lookup() returned does not fit the object's instructions: counted as damaged, rebuilt. */
  misfit(key: RelocationKey): void {
    this.counters.hits--;
    this.counters.misses++;
    this.counters.damaged++;
    this.log(`relocation cache ${this.path(key)}: ignored, its patches do not fit the object's instructions; relocating and writing it again`);
  }

  private path(key: RelocationKey): string {
    return `${this.dir}/core-${key.object}-${key.btf}.json`;
  }

  /** The entry for `key`; null when there is none, it is another key's, or it is damaged (then logged). */
  lookup(key: RelocationKey): CachedRelocations | null {
    const path = this.path(key);
    try {
      const entry = this.decode(readCacheFile(this.sys, path), key);
      if (entry) this.counters.hits++;
      else this.counters.misses++;
      return entry;
    } catch (error) {
      this.counters.misses++;
      if (error instanceof CacheFileError) {
        this.counters.damaged++;
        this.log(`relocation cache ${path}: ignored, ${error.message}; relocating and writing it again`);
        return null;
      }
      if (!isSysError(error)) throw error;
      this.log(`relocation cache ${path}: cannot read it (${error.code}); relocating`);
      return null;
    }
  }

  /** Null for no entry or another key's (a stale one); throws RelocationCacheError for a damaged one. */
  private decode(stored: unknown, key: RelocationKey): CachedRelocations | null {
    if (stored === null) return null;
    if (!isRecord(stored) || stored.format !== FORMAT) throw new RelocationCacheError(`it is not a format ${FORMAT} entry`);
    if (!sameKey(stored, key)) return null;
    if (!Array.isArray(stored.fixups) || !isRecord(stored.attachBtfIds)) throw new RelocationCacheError('it lacks its fixups');
    const attachBtfIds: Record<string, number> = {};
    for (const [name, id] of Object.entries(stored.attachBtfIds)) {
      if (!Number.isInteger(id) || (id as number) <= 0) throw new RelocationCacheError(`attach_btf_id of '${name}' is not a type id`);
      attachBtfIds[name] = id as number;
    }
    return { fixups: stored.fixups.map(readFixup), attachBtfIds };
  }

  /** Writes the entry for `key` atomically and drops the entries made for other BTFs. */
  store(key: RelocationKey, entry: CachedRelocations): void {
    const fixups = entry.fixups.map((f) => ({ ...f, patches: f.patches.map((p) => ({ field: p.field, from: p.from.toString(), to: p.to.toString() })) }));
    try {
      writeCacheFile(this.sys, this.dir, `core-${key.object}-${key.btf}.json`, { format: FORMAT, ...key, fixups, attachBtfIds: entry.attachBtfIds });
    } catch (error) {
      if (!isSysError(error)) throw error;
      this.counters.writeFailures++;
      if (!this.warnedWrite) this.log(`relocation cache ${this.dir}: cannot write (${error.message}); loads relocate every time until it is writable by uid ${this.sys.geteuid()}`);
      this.warnedWrite = true;
      return;
    }
    this.dropOutdated(key.object, key.btf);
  }

  /**
   * Removes this object's entries for other BTFs (the kernel changed), and the temporary files
   * that a write cut short by a crash left (theirs is a process that no longer runs); other
   * objects keep their entries (each module may have a minimized BTF of its own). A file that
   * cannot be removed stays, and is logged.
   */
  private dropOutdated(object: string, btf: string): void {
    try {
      for (const name of this.sys.readDir(this.dir)) {
        const entry = /^core-([0-9a-f]{16})-([0-9a-f]{16})\.json$/.exec(name);
        const leftover = /^(?:(?:core|features)-[0-9a-f-]+|kernel-btf)\.json\.tmp\.(\d+)$/.exec(name);
        const outdated = entry !== null && entry[1] === object && entry[2] !== btf;
        if (outdated || (leftover !== null && !this.isRunning(Number(leftover[1])))) this.removeQuietly(name);
      }
    } catch (error) {
      if (!isSysError(error)) throw error;
      this.log(`relocation cache ${this.dir}: cannot remove an outdated file (${error.message}); it stays on disk, unused`);
    }
  }

  private isRunning(pid: number): boolean {
    try {
      this.sys.stat(`/proc/${pid}`);
      return true;
    } catch (error) {
      if (isSysError(error, 'ENOENT')) return false;
      throw error;
    }
  }

  private removeQuietly(name: string): void {
    try {
      this.sys.unlink(`${this.dir}/${name}`);
    } catch (error) {
      if (!isSysError(error, 'ENOENT')) throw error;
    }
  }
}
