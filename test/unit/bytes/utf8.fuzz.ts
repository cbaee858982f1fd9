/**
 * Fuzz target (for fuzzInWorkers): random byte strings of 1 to 12 bytes, mostly ill-formed UTF-8,
 * must decode exactly as TextDecoder decodes them (one U+FFFD per maximal ill-formed subsequence).
 */
import { decodeUtf8 } from '../../../agent/src/bytes/utf8.ts';
import type { MakeCase } from '../../support/fuzz/fuzz-case.ts';
import { randomInt } from '../../support/fuzz/seeded-random.ts';

export function prepare(): MakeCase {
  const reference = new TextDecoder();
  return (random) => {
    const bytes = Uint8Array.from({ length: 1 + randomInt(random, 12) }, () => randomInt(random, 256));
    const hex = Buffer.from(bytes).toString('hex');
    return {
      description: `bytes ${hex}`,
      run: () => {
        const ours = decodeUtf8(bytes);
        const theirs = reference.decode(bytes);
        if (ours !== theirs) throw new Error(`decoded ${JSON.stringify(ours)}, TextDecoder gives ${JSON.stringify(theirs)}`);
        return 'as TextDecoder';
      },
    };
  };
}
