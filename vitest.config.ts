import { defineConfig } from 'vitest/config';

/**
 * Files that replace a module (vi.mock) need a module graph of their own: with isolation off the
 * mock would leak into, or be pre-empted by, the other files sharing the worker.
 */
const ISOLATED = ['test/sql/fail-closed.test.ts'];

export default defineConfig({
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/pglite-template.ts', 'test/support/load-sql-parser.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
    // Without TEST_DATABASE_URL (`npm test`, PGlite only) a file of Postgres-only suites registers
    // nothing (describeOnPostgres); with it, as in CI, a file without a test still fails the run.
    passWithNoTests: !process.env.TEST_DATABASE_URL,
    projects: [
      {
        extends: true,
        test: {
          name: 'shared',
          include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
          exclude: ISOLATED,
          // One worker runs many files: node start-up, module transforms and the two wasm
          // compiles (PGlite, libpg-query) are paid per worker instead of per file. Each file
          // still opens its own databases, so tests stay independent.
          isolate: false,
        },
      },
      {
        extends: true,
        test: { name: 'isolated', include: ISOLATED },
      },
    ],
  },
});
