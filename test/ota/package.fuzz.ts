/**
 * Fuzz target (for fuzzInWorkers): a signed package with random bytes overwritten or cut short
 * goes to the device's verification, which must reject it for a specific reason; an accepted
 * package or any other error is a failure.
 */
import { verifyPackage } from '../../agent/src/ota/verify.ts';
import type { MakeCase } from '../support/fuzz/fuzz-case.ts';
import { editBytes } from '../support/fuzz/byte-edits.ts';
import { deviceFacts, makeKey, rejectionOf, signed } from './packages.ts';

const EXPECTED = new Set(['malformed', 'bad-signature', 'unknown-key', 'stale-version', 'agent-too-old', 'unsupported-arch']);

export function prepare(): MakeCase {
  const key = makeKey('release');
  const facts = deviceFacts([key]);
  const original = signed(key, { objects: { x86_64: new Uint8Array(64) }, btfs: { '6.1': new Uint8Array(16) } });
  return (random) => {
    const edited = editBytes(original, random);
    return {
      description: edited.description,
      run: () => {
        if (Buffer.compare(Buffer.from(edited.bytes), Buffer.from(original)) === 0) return 'unchanged';
        const verdict = rejectionOf(() => verifyPackage(edited.bytes, facts));
        if (!EXPECTED.has(verdict)) throw new Error(`verification said ${verdict}`);
        return verdict;
      },
    };
  };
}
