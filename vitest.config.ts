import { defineConfig } from 'vitest/config'

// Storage suites run on PGlite always and on PostgreSQL unless TEST_DATABASE_URL=off; the globalSetup
// finds that PostgreSQL once per run, starting an embedded one if none answers (test/helpers/databases.ts).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**'],
    globalSetup: ['test/helpers/postgres-setup.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
