import { defineConfig } from 'vitest/config'

// Browser tests: playwright-core driving Chromium (found by test/helpers/chromium.ts: CHROMIUM_PATH,
// Debian's /usr/bin/chromium, an installed Chrome, else the bundled @sparticuz/chromium) against a
// real Portico process. Part of `npm test`; `npm run test:e2e` runs them alone.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    globalSetup: ['test/helpers/postgres-setup.ts', 'test/helpers/chromium-setup.ts'],
    pool: 'forks',
    // Two files at a time: each spends most of its time waiting (for the minute's rate-limit window,
    // the usage flush, the page's refresh), and one at a time took the CI run past 20 minutes.
    maxWorkers: 2,
    // Ceilings for a loaded machine, as in vitest.config.ts.
    testTimeout: 180_000,
    hookTimeout: 300_000,
    // expect.poll waits for what a page shows next (a refetch, a redraw): 1 s by default, which a
    // loaded machine's answers outlasted (a removed member's memberships, read again, came late).
    expect: { poll: { timeout: 10_000 } },
  },
})
