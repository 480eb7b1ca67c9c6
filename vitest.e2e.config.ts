import { defineConfig } from 'vitest/config'

// Browser tests: playwright-core driving Debian's Chromium (/usr/bin/chromium) against a real
// Portico process. Part of `npm test`; `npm run test:e2e` runs them alone.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
})
