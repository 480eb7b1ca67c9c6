// `npm run openapi -- [file]`: writes the OpenAPI document the server serves at /openapi.json, built
// in-process on an in-memory database (nothing listens, nothing is kept), to the file or stdout.
import { writeFile } from 'node:fs/promises'
import { readConfig } from '../config.ts'
import { createLogger } from '../http/logging.ts'
import { startPortico } from '../portico.ts'
import { openPGlite } from '../store/database.ts'

const portico = await startPortico(readConfig({}), {
  database: await openPGlite(undefined),
  logger: createLogger({ level: 'silent' }),
})
try {
  const text = `${JSON.stringify(portico.app.swagger(), null, 2)}\n`
  const file = process.argv[2]
  if (file) await writeFile(file, text)
  else process.stdout.write(text)
} finally {
  await portico.close()
}
