// Two Portico instances on one fresh PostgreSQL database, each with its own pool and listener, for
// the tests of what one instance's change does to the other's caches: connected to PostgreSQL
// directly, or through a PgBouncer in transaction mode (DATABASE_URL pooled, DATABASE_DIRECT_URL
// direct). Through the pooler a third instance starts at the same moment without a direct URL, so
// three instances migrate the fresh database at once, one of them through the pooler.
import { readConfig } from '../../src/config.ts'
import { createLogger } from '../../src/http/logging.ts'
import { type Portico, startPortico } from '../../src/portico.ts'
import { openPostgres } from '../../src/store/database.ts'
import { openTestDatabase } from './databases.ts'
import { findPgBouncer, startPgBouncer } from './pgbouncer.ts'

export interface TwoInstances {
  a: Portico
  b: Portico
  close(): Promise<void>
}

/** How the instances reach PostgreSQL, for `describe.each`: through PgBouncer where it is installed. */
const allConnections = ['directly', 'through PgBouncer in transaction mode'] as const
export type Connection = (typeof allConnections)[number]
export const connections: readonly Connection[] = findPgBouncer() ? allConnections : ['directly']

export async function startTwoInstances(
  env: Record<string, string> = {},
  connection: Connection = 'directly',
): Promise<TwoInstances> {
  const config = readConfig({ ORG_CREATION_LIMIT: '0', ...env })
  const quiet = createLogger({ level: 'silent' })
  const database = await openTestDatabase('postgres')
  const url = database.url ?? ''
  if (connection === 'directly') {
    const a = await startPortico(config, { database, logger: quiet })
    const b = await startPortico(config, { database: await openPostgres(url), logger: quiet })
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
  const pooler = await startPgBouncer(url)
  const pooled = pooler.pooledUrl(url)
  const [a, b, c] = await Promise.all(
    [url, url, undefined].map(async (directUrl) =>
      startPortico(config, { database: await openPostgres(pooled, { directUrl }), logger: quiet }),
    ),
  )
  if (!a || !b || !c) throw new Error('an instance did not start')
  return {
    a,
    b,
    close: async () => {
      await Promise.all([a.close(), b.close(), c.close()])
      await pooler.close()
      await database.close()
    },
  }
}
