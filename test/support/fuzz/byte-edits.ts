/**
 * The plain mutation for formats the fuzz tests do not model field by field (signed module
 * packages): one to eight bytes overwritten at random places, and a quarter of the time the result
 * cut short at a random length.
 */
import { randomInt, type Random } from './seeded-random.ts';

export function editBytes(seed: Uint8Array, random: Random): { bytes: Uint8Array; description: string } {
  const bytes = Uint8Array.from(seed);
  const edits = 1 + randomInt(random, 8);
  for (let edit = 0; edit < edits; edit++) bytes[randomInt(random, bytes.length)] = randomInt(random, 256);
  if (random() >= 0.25) return { bytes, description: `${edits} bytes overwritten` };
  const length = randomInt(random, bytes.length);
  return { bytes: bytes.subarray(0, length), description: `${edits} bytes overwritten, cut to ${length} bytes` };
}
