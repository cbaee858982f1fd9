/**
 * `npm run test:fleet`: the fleet at scale (test/fleet-scale/), kept out of `npm test` because it
 * runs a broker cluster, a database, workers and a thousand simulated devices for minutes.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/fleet-scale/**/*.test.ts'],
    testTimeout: 900_000,
    hookTimeout: 300_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
