import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The kernel matrix boots three kernels: `npm run test:kernels` (vitest.kernels.config.ts); the
    // fleet at scale runs for minutes: `npm run test:fleet` (vitest.fleet.config.ts); bitbake's parse
    // of meta-mote and the recipes' steps: `npm run test:yocto` (vitest.yocto.config.ts).
    exclude: [...configDefaults.exclude, 'test/kernels/**', 'test/fleet-scale/**', 'test/yocto/**'],
    testTimeout: 120_000,
    hookTimeout: 600_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
