/**
 * Keys, packages and device facts for OTA tests. Objects and BTFs here are stand-in bytes:
 * the pure checks never look inside them.
 */
import { publicKeyOf, randomSecretKey } from '../../agent/src/ota/ed25519.ts';
import { formatPublicKey, parsePublicKey, type TrustedKey } from '../../agent/src/ota/keys.ts';
import type { ModulePackage } from '../../agent/src/ota/package.ts';
import { OtaRejection, type RejectionReason } from '../../agent/src/ota/rejection.ts';
import { signPackage } from '../../agent/src/ota/signature.ts';
import type { DeviceFacts } from '../../agent/src/ota/verify.ts';

export interface TestKey {
  secret: Uint8Array;
  trusted: TrustedKey;
}

export function makeKey(label: string): TestKey {
  const secret = randomSecretKey();
  return { secret, trusted: parsePublicKey(formatPublicKey(publicKeyOf(secret), label), label) };
}

function filled(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff);
}

export function samplePackage(overrides: Partial<ModulePackage> = {}): ModulePackage {
  return {
    name: 'syscount',
    version: '2',
    minAgentVersion: '0.1.0',
    objects: { x86_64: filled(3000, 1), armhf: filled(2800, 2) },
    btfs: {
      '6.1.0-31-armmp': filled(700, 3),
      '6.1.0-31-armmp-lpae': filled(650, 4),
      '5.10.0-0.deb10.16-armmp-with-a-much-longer-release-name': filled(60, 5),
      '4.19': filled(20, 6),
    },
    manifest: JSON.stringify({ name: 'syscount', intervalMs: 2000, record: 'top' }),
    ...overrides,
  };
}

export function signed(key: TestKey, overrides: Partial<ModulePackage> = {}): Uint8Array {
  return signPackage(samplePackage(overrides), key.secret);
}

export function deviceFacts(keys: TestKey[], overrides: Partial<DeviceFacts> = {}): DeviceFacts {
  return {
    trustedKeys: keys.map((k) => k.trusted),
    agentVersion: '0.1.0',
    arch: 'x86_64',
    versionFloor: (module) => (module === 'syscount' ? '1' : undefined),
    kernelProblem: () => null,
    ...overrides,
  };
}

/** The reason `run` was rejected, 'accepted', or 'unexpected <error>' for anything but an OtaRejection. */
export function rejectionOf(run: () => unknown): RejectionReason | 'accepted' | string {
  try {
    run();
    return 'accepted';
  } catch (error) {
    return error instanceof OtaRejection ? error.reason : `unexpected ${(error as Error).name}: ${(error as Error).message}`;
  }
}
