/**
 * Everything a device checks before it stores a package, in order: size, canonical structure,
 * signature (known key, then valid), version (greater than the floor: no replay, no rollback),
 * minimum agent version, architecture, kernel. Pure: the device's facts come in `DeviceFacts`.
 * The first failed check throws an OtaRejection with its reason.
 */
import type { ModuleArch } from '../lifecycle/module-types.ts';
import type { TrustedKey } from './keys.ts';
import { MAX_PACKAGE_BYTES } from './limits.ts';
import { parsePackage, type ModulePackage } from './package.ts';
import { OtaRejection } from './rejection.ts';
import { checkSignature } from './signature.ts';
import { compareVersions } from './version.ts';

export interface DeviceFacts {
  trustedKeys: readonly TrustedKey[];
  agentVersion: string;
  arch: ModuleArch;
  /** The version a package of `module` must exceed (stored, removed or built in), if any. */
  versionFloor(module: string): string | undefined;
  /** Why this kernel cannot run a module with these BTFs (null: it can). */
  kernelProblem(btfs: Record<string, Uint8Array>): string | null;
  maxPackageBytes?: number;
}

export interface VerifiedPackage {
  module: ModulePackage;
  signedBy: TrustedKey;
}

export function verifyPackage(bytes: Uint8Array, facts: DeviceFacts): VerifiedPackage {
  const limit = facts.maxPackageBytes ?? MAX_PACKAGE_BYTES;
  if (bytes.length > limit) {
    throw new OtaRejection('too-large', `package of ${bytes.length} bytes is over the limit of ${limit} bytes; ship fewer BTFs or split the module`);
  }
  const parsed = parsePackage(bytes);
  const { module } = parsed;
  const name = module.name;
  const signedBy = checkSignature(parsed, facts.trustedKeys);
  const floor = facts.versionFloor(name);
  if (floor !== undefined && compareVersions(module.version, floor) <= 0) {
    throw new OtaRejection('stale-version', `package '${name}' version ${module.version} is not newer than version ${floor} on this device (replay or rollback); pack it with a higher --version`, name);
  }
  if (compareVersions(module.minAgentVersion, facts.agentVersion) > 0) {
    throw new OtaRejection('agent-too-old', `package '${name}' ${module.version} needs agent ${module.minAgentVersion} or later; this agent is ${facts.agentVersion}: update the agent first`, name);
  }
  if (!module.objects[facts.arch]) {
    const has = Object.keys(module.objects).join(', ') || 'none';
    throw new OtaRejection('unsupported-arch', `package '${name}' ${module.version} has no object for ${facts.arch} (it has: ${has}); pack it for ${facts.arch}`, name);
  }
  const kernelProblem = facts.kernelProblem(module.btfs);
  if (kernelProblem !== null) throw new OtaRejection('unsupported-kernel', `package '${name}' ${module.version}: ${kernelProblem}`, name);
  return { module, signedBy };
}
