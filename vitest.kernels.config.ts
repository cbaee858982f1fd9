/**
 * `npm run test:kernels`: the kernel matrix alone (test/kernels/), kept out of `npm test` because
 * it boots three kernels and, on a cold cache, downloads their debug packages.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/kernels/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 1_800_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
