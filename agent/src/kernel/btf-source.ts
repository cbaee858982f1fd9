/**
 * Where the running kernel's BTF comes from, in order: /sys/kernel/btf/vmlinux; a BTF for
 * `uname -r` embedded in the agent or stored on disk; an explicit path from the config. When
 * none exists the error names all three and how to make a BTF for a kernel without one.
 *
 * The kernel's own BTF is megabytes, so it is never copied: it is mapped read-only where the
 * kernel allows (Linux 6.16 and later; the pages stay the kernel's and count in no one's RSS),
 * else read once into a buffer of the exact size its header gives. `release()` unmaps or drops
 * it; nothing may use the bytes afterwards.
 */
import type { Sys } from '../sys/types.ts';
import { O_RDONLY } from '../abi/open-flags.ts';
import { BTF_HEADER_SIZE, btfBlobSize } from '../btf/parse.ts';
import { BtfSourceError } from './errors.ts';
import { isSysError } from '../errors.ts';
import { MAP_PRIVATE, PROT_READ } from './mmap-flags.ts';

export const KERNEL_BTF_PATH = '/sys/kernel/btf/vmlinux';
/** Per-release BTFs on the device's disk: <dir>/<uname -r>.btf. */
export const DEFAULT_BTF_DIR = '/usr/lib/mote/btf';

export interface KernelBtf {
  bytes: Uint8Array;
  /** Where it came from, for logs: a path, or `embedded:<release>`. */
  source: string;
  /** How the bytes are held: mapped from the kernel, read into memory, or embedded. */
  held: 'mapped' | 'read' | 'embedded';
  /** Gives the bytes back (unmaps a mapping); the bytes must not be used afterwards. */
  release(): void;
}

export interface BtfSourceOptions {
  /** Minimized BTFs built into the agent, keyed by kernel release. */
  embedded?: Record<string, Uint8Array>;
  btfDir?: string;
  /** `btf` from the config file or --btf. */
  explicitPath?: string;
}

function readIfPresent(sys: Sys, path: string): Uint8Array | null {
  try {
    return sys.readFile(path);
  } catch (error) {
    if (isSysError(error, 'ENOENT') || isSysError(error, 'ENOTDIR')) return null;
    throw error;
  }
}

/** Reads into `bytes` from the fd's position until it is full or the file ends; returns the count. */
function readInto(sys: Sys, fd: number, bytes: Uint8Array): number {
  let filled = 0;
  while (filled < bytes.length) {
    const count = sys.read(fd, bytes.subarray(filled));
    if (count === 0) break;
    filled += count;
  }
  return filled;
}

/** The kernel's own BTF, mapped or read once at its exact size; null when the kernel has none. */
function openKernelOwnBtf(sys: Sys): KernelBtf | null {
  let fd: number;
  try {
    fd = sys.open(KERNEL_BTF_PATH, O_RDONLY, 0);
  } catch (error) {
    if (isSysError(error, 'ENOENT') || isSysError(error, 'ENOTDIR')) return null;
    throw error;
  }
  try {
    const header = new Uint8Array(BTF_HEADER_SIZE);
    const size = readInto(sys, fd, header) === BTF_HEADER_SIZE ? btfBlobSize(header) : null;
    // A header that does not parse: read what there is and let the BTF reader say what is wrong.
    if (size === null || size < BTF_HEADER_SIZE) return { bytes: sys.readFile(KERNEL_BTF_PATH), source: KERNEL_BTF_PATH, held: 'read', release: () => {} };
    try {
      const mapping = sys.mmap(fd, size, PROT_READ, MAP_PRIVATE, 0);
      return { bytes: new Uint8Array(mapping), source: KERNEL_BTF_PATH, held: 'mapped', release: () => sys.munmap(mapping) };
    } catch (error) {
      if (!isSysError(error)) throw error; // kernels before 6.16 cannot map it: read it instead
    }
    const bytes = new Uint8Array(size);
    bytes.set(header);
    const filled = BTF_HEADER_SIZE + readInto(sys, fd, bytes.subarray(BTF_HEADER_SIZE));
    return { bytes: filled === size ? bytes : bytes.subarray(0, filled), source: KERNEL_BTF_PATH, held: 'read', release: () => {} };
  } finally {
    sys.close(fd);
  }
}

export function findKernelBtf(sys: Sys, options: BtfSourceOptions = {}): KernelBtf {
  const release = sys.uname().release;
  if (options.explicitPath) {
    const bytes = readIfPresent(sys, options.explicitPath);
    if (!bytes) throw new BtfSourceError(`kernel BTF: the configured file ${options.explicitPath} does not exist; fix the 'btf' setting or remove it to use ${KERNEL_BTF_PATH}`);
    return { bytes, source: options.explicitPath, held: 'read', release: () => {} };
  }
  const own = openKernelOwnBtf(sys);
  if (own) return own;
  const embedded = options.embedded?.[release];
  if (embedded) return { bytes: embedded, source: `embedded:${release}`, held: 'embedded', release: () => {} };
  const onDiskPath = `${options.btfDir ?? DEFAULT_BTF_DIR}/${release}.btf`;
  const onDisk = readIfPresent(sys, onDiskPath);
  if (onDisk) return { bytes: onDisk, source: onDiskPath, held: 'read', release: () => {} };
  throw new BtfSourceError(
    `kernel BTF: none found for Linux ${release}. Mote looked for (1) ${KERNEL_BTF_PATH} (a kernel built with CONFIG_DEBUG_INFO_BTF), ` +
      `(2) a BTF for '${release}' embedded in this agent or at ${onDiskPath}, (3) an explicit path (--btf or 'btf' in the config). ` +
      `To make one from the kernel's debug vmlinux: 'pahole --btf_encode_detached=full.btf vmlinux', then ` +
      `'bpftool gen min_core_btf full.btf ${release}.btf <module objects>', and ship it at ${onDiskPath} or build it into the agent with 'mote build --board'.`,
  );
}
