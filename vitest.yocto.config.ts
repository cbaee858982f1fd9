/**
 * `npm run test:yocto`: bitbake parses and checks meta-mote on scarthgap and wrynose, and the
 * recipes' steps build and boot an agent (test/yocto/). Kept out of `npm test`: a cold parse of
 * openembedded-core and meta-openembedded takes many minutes. One file at a time: both use the
 * same bitbake build folder.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/yocto/**/*.test.ts'],
    testTimeout: 3_600_000,
    hookTimeout: 3_600_000,
    pool: 'forks',
    fileParallelism: false,
    reporters: ['default'],
  },
});
