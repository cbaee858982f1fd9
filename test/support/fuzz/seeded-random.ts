/**
 * The one seeded PRNG of the fuzz tests (mulberry32), and how a run's seed becomes each input's
 * seed, so any input can be made again from the run seed and its index. The run seed is fixed per
 * test unless MOTE_FUZZ_SEED (decimal or 0x-hex) overrides it for a different sample.
 */

/** Uniform in [0, 1). */
export type Random = () => number;

/** mulberry32: small, fast, and the same numbers on every machine for a given seed. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed of input `index` of a run seeded with `runSeed`. */
export function inputSeed(runSeed: number, index: number): number {
  return (Math.imul(runSeed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(index, 0xc2b2ae35)) >>> 0;
}

/** An integer in [0, bound). */
export function randomInt(random: Random, bound: number): number {
  return Math.floor(random() * bound);
}

/** MOTE_FUZZ_SEED when set, else the test's own `fixed` seed. */
export function runSeed(fixed: number): number {
  const override = process.env.MOTE_FUZZ_SEED;
  if (override === undefined || override === '') return fixed >>> 0;
  const seed = Number(override);
  if (!Number.isInteger(seed)) throw new Error(`MOTE_FUZZ_SEED=${override} is not an integer: give it in decimal or as 0x-hex`);
  return seed >>> 0;
}

export function hexSeed(seed: number): string {
  return `0x${(seed >>> 0).toString(16).padStart(8, '0')}`;
}
