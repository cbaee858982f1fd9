/**
 * The device's side of the checks in verify.ts: trusted keys read from `.pub` files, this
 * agent's version and architecture, and whether the kernel has a BTF for a package (its own,
 * one the package carries for `uname -r`, or one on disk).
 */
import { BtfSourceError } from '../kernel/errors.ts';
import { findKernelBtf } from '../kernel/btf-source.ts';
import { moduleArch } from '../lifecycle/bpf-module-loader.ts';
import type { Sys } from '../sys/types.ts';
import { AGENT_VERSION } from '../version.ts';
import { KeyFileError, parsePublicKey, type TrustedKey } from './keys.ts';
import { OtaRejection } from './rejection.ts';
import type { DeviceFacts } from './verify.ts';
import { decodeUtf8 } from '../bytes/utf8.ts';

export function readTrustedKeys(sys: Sys, paths: readonly string[]): TrustedKey[] {
  return paths.map((path) => {
    let bytes: Uint8Array;
    try {
      bytes = sys.readFile(path);
    } catch (error) {
      throw new KeyFileError(`trusted key ${path}: ${(error as Error).message}; give a .pub file that 'mote keygen' wrote`);
    }
    return parsePublicKey(decodeUtf8(bytes), path);
  });
}

export function deviceFacts(sys: Sys, trustedKeys: readonly TrustedKey[]): Omit<DeviceFacts, 'versionFloor'> {
  const { machine } = sys.uname();
  const arch = moduleArch(machine);
  if (!arch) throw new OtaRejection('unsupported-arch', `this machine (${machine}) is neither x86_64 nor 32-bit ARM; no module package can run here`);
  return {
    trustedKeys,
    agentVersion: AGENT_VERSION,
    arch,
    kernelProblem: (btfs) => {
      try {
        findKernelBtf(sys, { embedded: btfs }).release();
        return null;
      } catch (error) {
        if (error instanceof BtfSourceError) return error.message;
        throw error;
      }
    },
  };
}
