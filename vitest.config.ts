import { defineConfig } from 'vitest/config'

// Storage suites run on PGlite always and on PostgreSQL unless TEST_DATABASE_URL=off; the globalSetup
// finds that PostgreSQL once per run, starting an embedded one if none answers (test/helpers/databases.ts).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**'],
    globalSetup: ['test/helpers/postgres-setup.ts'],
    pool: 'forks',
    // Two files at a time on two cores: most of a file's time is spent waiting (on PostgreSQL, on a
    // spawned server, on a background job), and one at a time took the suite to 10–12 of CI's 20
    // minutes.
    maxWorkers: 2,
    // Ceilings, not claims (tests that assert a duration check it themselves): with several suites on
    // two cores, tests that take 2–3 s on a quiet machine took 30–40 s and failed at 30 s.
    testTimeout: 120_000,
    hookTimeout: 240_000,
  },
})
