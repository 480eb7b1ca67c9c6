// Where the browser tests save their screenshots: docs/screenshots/ (the README's pictures) when
// SCREENSHOTS=update, else a temporary directory, so that `npm test` leaves a clone as it found it.
// Refresh the README's pictures with `SCREENSHOTS=update npm run test:e2e`.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const screenshots =
  process.env.SCREENSHOTS === 'update'
    ? fileURLToPath(new URL('../../docs/screenshots/', import.meta.url))
    : mkdtempSync(join(tmpdir(), 'portico-screenshots-'))
