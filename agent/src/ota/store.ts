/**
 * The module store: the last accepted package of each module, on disk, surviving restarts and
 * power loss. One directory holds, per module:
 *
 *   <module>@<version>.mote   a package, written atomically (temp, fsync, rename, fsync dir)
 *   <module>.current          the pointer: "installed <version>" or "removed <version>"
 *
 * An update stages the new package file next to the old one, and only a successful load
 * switches the pointer (again atomically); the old file is deleted after that. So at any
 * instant the pointer names a complete, fsynced package, old or new, and whatever a crash
 * leaves behind (a temp file, a staged package never switched to, an old package) is garbage
 * that `open` deletes. A removal keeps its version in the pointer, so an older package cannot
 * be replayed after it.
 *
 * Crash points: every step of that protocol has a name (STORE_CRASH_POINTS), and the store calls
 * its `reached` hook with each one just done. `mote-agent run` stops itself there when the
 * environment variable MOTE_CRASH_POINT names it (commands/crash-point.ts); the hook can only
 * stop the process, it cannot change what is written. The crash-point test uses it.
 */
import { ATOMIC_WRITE_STEPS, type AtomicWriteStep, type Sys } from '../sys/types.ts';
import { makeDirectories } from '../kernel/make-directories.ts';
import { MoteError, isSysError } from '../errors.ts';
import { isModuleName } from './package.ts';
import { isVersion } from './version.ts';
import { decodeUtf8 } from '../bytes/utf8.ts';

export const DEFAULT_STORE_DIR = '/var/lib/mote/modules';

export type StoreFiles = Pick<Sys, 'readFile' | 'writeFileAtomic' | 'unlink' | 'mkdir' | 'readDir'>;

export class StoreError extends MoteError {}

/**
 * The steps of an update, in order, each named for what has just been done: the staged package's
 * atomic write (temp written, fsynced, renamed, directory fsynced), the same four of the pointer
 * (the switch; the rename is the commit point), then the cleanup (the replaced package deleted).
 * A removal goes through the pointer's steps and the cleanup.
 */
export const STORE_CRASH_POINTS = [...ATOMIC_WRITE_STEPS.map((step) => `stage-${step}`), ...ATOMIC_WRITE_STEPS.map((step) => `pointer-${step}`), 'cleanup'];

/** Called with each crash point the store passes; the default does nothing. */
export type CrashPointHook = (point: string) => void;

export interface StoreEntry {
  name: string;
  version: string;
  state: 'installed' | 'removed';
}

const POINTER_SUFFIX = '.current';
const PACKAGE_SUFFIX = '.mote';
const POINTER = /^(installed|removed) (\S+)\n$/;

function text(bytes: Uint8Array): string {
  return decodeUtf8(bytes);
}

function ascii(line: string): Uint8Array {
  return Uint8Array.from(line, (c) => c.charCodeAt(0));
}

export class ModuleStore {
  private readonly entries = new Map<string, StoreEntry>();

  constructor(
    private readonly files: StoreFiles,
    readonly dir: string,
    private readonly warn: (message: string) => void,
    private readonly reached: CrashPointHook = () => {},
  ) {}

  /** Creates the directory if needed, reads every pointer and deletes what crashes left behind. */
  open(): void {
    this.makeDirectory();
    let names: string[];
    try {
      names = this.files.readDir(this.dir);
      for (const file of names) {
        if (!file.endsWith(POINTER_SUFFIX)) continue;
        const entry = this.readPointer(file.slice(0, -POINTER_SUFFIX.length));
        if (entry) this.entries.set(entry.name, entry);
      }
    } catch (error) {
      throw new StoreError(`module store ${this.dir}: cannot read it (${(error as Error).message}); fix its permissions or choose another with --store`);
    }
    const keep = new Set([...this.entries.values()].filter((e) => e.state === 'installed').map((e) => this.packageFile(e.name, e.version)));
    for (const file of names) {
      const garbage = file.includes('.tmp.') || (file.endsWith(PACKAGE_SUFFIX) && !keep.has(file));
      if (garbage) this.deleteQuietly(file);
    }
  }

  list(): StoreEntry[] {
    return [...this.entries.values()];
  }

  entry(name: string): StoreEntry | undefined {
    return this.entries.get(name);
  }

  /** The stored package of an installed module. */
  readPackage(name: string): Uint8Array {
    const entry = this.entries.get(name);
    if (entry?.state !== 'installed') throw new StoreError(`module store ${this.dir}: no installed package of '${name}'`);
    return this.files.readFile(this.path(this.packageFile(name, entry.version)));
  }

  /** Writes a package file that no pointer names yet; `commit` or `discard` follows. */
  stage(name: string, version: string, bytes: Uint8Array): void {
    this.files.writeFileAtomic(this.path(this.packageFile(name, version)), bytes, this.steps('stage'));
  }

  /** Points the module at its staged package (the switch), then deletes the package it replaces. */
  commit(name: string, version: string): void {
    this.switchPointer({ name, version, state: 'installed' });
  }

  /** Deletes a staged package that will not be committed. */
  discard(name: string, version: string): void {
    this.deleteQuietly(this.packageFile(name, version));
  }

  /** Records that `name` was removed at `version`, then deletes its package. */
  markRemoved(name: string, version: string): void {
    this.switchPointer({ name, version, state: 'removed' });
  }

  private switchPointer(entry: StoreEntry): void {
    const previous = this.entries.get(entry.name);
    this.files.writeFileAtomic(this.path(entry.name + POINTER_SUFFIX), ascii(`${entry.state} ${entry.version}\n`), this.steps('pointer'));
    this.entries.set(entry.name, entry);
    if (previous?.state === 'installed' && !(entry.state === 'installed' && previous.version === entry.version)) {
      this.deleteQuietly(this.packageFile(previous.name, previous.version));
    }
    this.reached('cleanup');
  }

  private steps(file: 'stage' | 'pointer'): (step: AtomicWriteStep) => void {
    return (step) => this.reached(`${file}-${step}`);
  }

  private readPointer(name: string): StoreEntry | undefined {
    const file = name + POINTER_SUFFIX;
    const match = text(this.files.readFile(this.path(file))).match(POINTER);
    if (!isModuleName(name) || !match || !isVersion(match[2]!)) {
      this.warn(`module store: ${this.path(file)} is not a pointer this agent wrote; ignored (delete it to silence this)`);
      return undefined;
    }
    return { name, version: match[2]!, state: match[1] as StoreEntry['state'] };
  }

  /** mkdir -p of the store directory. */
  private makeDirectory(): void {
    try {
      makeDirectories(this.files, this.dir, 0o700);
    } catch (error) {
      if (!isSysError(error)) throw error;
      throw new StoreError(`module store: cannot create ${this.dir} (${error.message}); create it or choose another with --store`);
    }
  }

  private deleteQuietly(file: string): void {
    try {
      this.files.unlink(this.path(file));
    } catch (error) {
      if (!isSysError(error, 'ENOENT')) this.warn(`module store: cannot delete ${this.path(file)}: ${(error as Error).message}`);
    }
  }

  private packageFile(name: string, version: string): string {
    return `${name}@${version}${PACKAGE_SUFFIX}`;
  }

  private path(file: string): string {
    return `${this.dir}/${file}`;
  }
}
