/**
 * Fuzz target: a module package as a device receives it: parsed (canonical CBOR, package.cddl)
 * and verified against a fixed release key. Every input but the signed seed package itself must
 * be rejected with an OtaRejection (its reason is the outcome): an accepted mutant would mean
 * the signature leaves part of the package uncovered.
 */
import { Buffer } from 'node:buffer';
import { formatPublicKey, parsePublicKey } from '../../../agent/src/ota/keys.ts';
import { publicKeyOf } from '../../../agent/src/ota/ed25519.ts';
import { parsePackage } from '../../../agent/src/ota/package.ts';
import { OtaRejection } from '../../../agent/src/ota/rejection.ts';
import { verifyPackage, type DeviceFacts } from '../../../agent/src/ota/verify.ts';
import { seedFile, typedOutcome } from './outcome.ts';
import { FUZZ_RELEASE_SECRET } from './release-key.ts';


const FACTS: DeviceFacts = {
  trustedKeys: [parsePublicKey(formatPublicKey(publicKeyOf(FUZZ_RELEASE_SECRET), 'fuzz'), 'fuzz')],
  agentVersion: '0.1.0',
  arch: 'x86_64',
  versionFloor: (module) => (module === 'syscount' ? '1' : undefined),
  kernelProblem: () => null,
};

const SEED = seedFile('ota', 'syscount.pkg');

export function fuzz(data: Uint8Array): string {
  const parsed = typedOutcome(() => parsePackage(data));
  try {
    verifyPackage(data, FACTS);
    if (!Buffer.from(data).equals(SEED)) throw new Error('a package other than the signed seed was accepted');
    return `${parsed}, accepted`;
  } catch (error) {
    if (error instanceof OtaRejection) return `${parsed}, ${error.reason}`;
    throw error;
  }
}
