import { defineConfig } from 'vitest/config'

// Storage suites run on PGlite always and on PostgreSQL unless TEST_DATABASE_URL=off (see test/helpers/databases.ts).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
