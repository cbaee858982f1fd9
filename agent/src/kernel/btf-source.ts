/**
 * Where the running kernel's BTF comes from, in order: /sys/kernel/btf/vmlinux; a BTF for
 * `uname -r` embedded in the agent or stored on disk; an explicit path from the config. When
 * none exists the error names all three and how to make a BTF for a kernel without one.
 */
import type { Sys } from '../sys/types.ts';
import { BtfSourceError } from './errors.ts';
import { isSysError } from '../errors.ts';

export const KERNEL_BTF_PATH = '/sys/kernel/btf/vmlinux';
/** Per-release BTFs on the device's disk: <dir>/<uname -r>.btf. */
export const DEFAULT_BTF_DIR = '/usr/lib/mote/btf';

export interface KernelBtf {
  bytes: Uint8Array;
  /** Where it came from, for logs: a path, or `embedded:<release>`. */
  source: string;
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

export function findKernelBtf(sys: Sys, options: BtfSourceOptions = {}): KernelBtf {
  const release = sys.uname().release;
  if (options.explicitPath) {
    const bytes = readIfPresent(sys, options.explicitPath);
    if (!bytes) throw new BtfSourceError(`kernel BTF: the configured file ${options.explicitPath} does not exist; fix the 'btf' setting or remove it to use ${KERNEL_BTF_PATH}`);
    return { bytes, source: options.explicitPath };
  }
  const own = readIfPresent(sys, KERNEL_BTF_PATH);
  if (own) return { bytes: own, source: KERNEL_BTF_PATH };
  const embedded = options.embedded?.[release];
  if (embedded) return { bytes: embedded, source: `embedded:${release}` };
  const onDiskPath = `${options.btfDir ?? DEFAULT_BTF_DIR}/${release}.btf`;
  const onDisk = readIfPresent(sys, onDiskPath);
  if (onDisk) return { bytes: onDisk, source: onDiskPath };
  throw new BtfSourceError(
    `kernel BTF: none found for Linux ${release}. Mote looked for (1) ${KERNEL_BTF_PATH} (a kernel built with CONFIG_DEBUG_INFO_BTF), ` +
      `(2) a BTF for '${release}' embedded in this agent or at ${onDiskPath}, (3) an explicit path (--btf or 'btf' in the config). ` +
      `To make one from the kernel's debug vmlinux: 'pahole --btf_encode_detached=full.btf vmlinux', then ` +
      `'bpftool gen min_core_btf full.btf ${release}.btf <module objects>', and ship it at ${onDiskPath} or build it into the agent with 'mote build --board'.`,
  );
}
