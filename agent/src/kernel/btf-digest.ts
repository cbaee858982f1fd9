/**
 * The digest (Sys.hash) of the BTF a load relocates against: half of the relocation cache's key,
 * and part of the feature cache's. Hashing the kernel's own BTF reads all of its megabytes, and
 * a warm load did it twice, which cost more than the rest of its work in JavaScript. That BTF
 * cannot change while the kernel runs, so its digest is taken once per boot and kept in
 * `<dir>/kernel-btf.json` (cache-file.ts) beside the boot's id (/proc/sys/kernel/random/boot_id,
 * new at every boot and kexec), the kernel's release, version string and machine, the BTF's size
 * and the agent's build: any of them differing, or a damaged file, takes the digest again (and
 * writes it again). Any other BTF (a file, a minimized one built into the agent) is hashed every
 * time: files can change. A boot id or file that cannot be read, or a directory that cannot be
 * written, costs the memo, not the load.
 */
import type { Sys } from '../sys/types.ts';
import { CacheFileError, readCacheFile, writeCacheFile } from './cache-file.ts';
import { decodeUtf8 } from '../bytes/utf8.ts';
import { isSysError } from '../errors.ts';
import { BtfSourceError } from './errors.ts';
import { findKernelBtf, KERNEL_BTF_PATH, type KernelBtf } from './btf-source.ts';

const FORMAT = 1;
export const KERNEL_BTF_DIGEST_FILE = 'kernel-btf.json';
const BOOT_ID_PATH = '/proc/sys/kernel/random/boot_id';

/** What the kept digest is for: it is used only when every field is equal. */
interface DigestScope {
  bootId: string;
  release: string;
  version: string;
  machine: string;
  size: number;
  agent: string;
}

export class BtfDigests {
  /** The kernel's own BTF's digest once known in this process. */
  private kernelOwn: string | null = null;

  /** `dir`: where the boot's digest is kept (null: nowhere, hashed once per process); `agent`: its version and build. */
  constructor(private readonly sys: Sys, private readonly dir: string | null, private readonly agent: string, private readonly log: (line: string) => void) {}

  /** Sys.hash of `btf`'s bytes; for the kernel's own, taken at most once per boot. */
  of(btf: KernelBtf): string {
    if (btf.source !== KERNEL_BTF_PATH) return this.sys.hash(btf.bytes);
    if (this.kernelOwn !== null) return this.kernelOwn;
    const scope = this.scope(btf.bytes.length);
    const kept = scope ? this.recall(scope) : null;
    this.kernelOwn = kept ?? this.sys.hash(btf.bytes);
    if (scope && kept === null) this.keep(scope, this.kernelOwn);
    return this.kernelOwn;
  }

  /** The digest of the running kernel's own BTF, or null when it has none or it cannot be read. */
  ofRunningKernel(): string | null {
    let found: KernelBtf;
    try {
      found = findKernelBtf(this.sys);
    } catch (error) {
      if (error instanceof BtfSourceError || isSysError(error)) return null;
      throw error;
    }
    try {
      return found.source === KERNEL_BTF_PATH ? this.of(found) : null;
    } finally {
      found.release();
    }
  }

  private get path(): string {
    return `${this.dir}/${KERNEL_BTF_DIGEST_FILE}`;
  }

  /** This boot's scope for a kernel BTF of `size` bytes; null without a directory or a boot id. */
  private scope(size: number): DigestScope | null {
    if (this.dir === null) return null;
    let bootId: string;
    try {
      bootId = decodeUtf8(this.sys.readFile(BOOT_ID_PATH)).trim();
    } catch (error) {
      if (!isSysError(error)) throw error;
      return null;
    }
    if (!/^[0-9a-f-]{16,}$/.test(bootId)) return null;
    const { release, version, machine } = this.sys.uname();
    return { bootId, release, version, machine, size, agent: this.agent };
  }

  private recall(scope: DigestScope): string | null {
    try {
      const stored = readCacheFile(this.sys, this.path) as Record<string, unknown> | null;
      if (stored === null || typeof stored !== 'object') return null;
      if (stored.format !== FORMAT || typeof stored.digest !== 'string' || !/^[0-9a-f]{16}$/.test(stored.digest)) throw new CacheFileError(`it is not a format ${FORMAT} digest file`);
      const same = (Object.keys(scope) as (keyof DigestScope)[]).every((field) => stored[field] === scope[field]);
      return same ? stored.digest : null;
    } catch (error) {
      if (!(error instanceof CacheFileError) && !isSysError(error)) throw error;
      this.log(`kernel BTF digest ${this.path}: ignored, ${error.message}; hashing the BTF again`);
      return null;
    }
  }

  private keep(scope: DigestScope, digest: string): void {
    try {
      writeCacheFile(this.sys, this.dir!, KERNEL_BTF_DIGEST_FILE, { format: FORMAT, ...scope, digest });
    } catch (error) {
      if (!isSysError(error)) throw error; // the relocation and feature caches say that the directory cannot be written
    }
  }
}
