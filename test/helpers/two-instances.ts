// Two Portico instances on one fresh PostgreSQL database, each with its own pool and listener, for
// the tests of what one instance's change does to the other's caches.
import { readConfig } from '../../src/config.ts'
import { createLogger } from '../../src/http/logging.ts'
import { type Portico, startPortico } from '../../src/portico.ts'
import { openPostgres } from '../../src/store/database.ts'
import { openTestDatabase } from './databases.ts'

export interface TwoInstances {
  a: Portico
  b: Portico
  close(): Promise<void>
}

export async function startTwoInstances(env: Record<string, string> = {}): Promise<TwoInstances> {
  const config = readConfig({ ORG_CREATION_LIMIT: '0', ...env })
  const quiet = createLogger({ level: 'silent' })
  const database = await openTestDatabase('postgres')
  const a = await startPortico(config, { database, logger: quiet })
  const b = await startPortico(config, { database: await openPostgres(database.url ?? ''), logger: quiet })
  return {
    a,
    b,
    close: async () => {
      await b.close()
      // a's close would drop the test database with its own pool: stop its parts, then drop.
      await a.app.close()
      await a.dispatcher.stop()
      await a.keyVerifier.stop()
      await a.sessionCache.stop()
      await database.close()
    },
  }
}
