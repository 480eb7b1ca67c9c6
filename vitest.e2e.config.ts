import { defineConfig } from 'vitest/config'

// Browser tests (playwright-core driving Debian's Chromium) live in test/e2e; the console arrives
// with its issue, and with it the first of them.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    passWithNoTests: true,
  },
})
