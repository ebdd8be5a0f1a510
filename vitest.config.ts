import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/support/global-setup.ts'],
    // Opening PGlite takes about a second, creating a Postgres schema is quick; end-to-end suites run
    // whole builds.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Each file opens its own PGlite (WebAssembly heap ~100 MB+); one fork per core keeps memory sane.
    pool: 'forks',
    // In CI, every test by name: the log shows the `[postgres]` suites ran, not only that files passed.
    reporters: process.env.CI ? ['verbose'] : ['default'],
  },
});
