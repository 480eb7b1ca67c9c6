// Forward-only migrations, run at start and by `npm run migrate`: all pending ones in one
// transaction that first takes a transaction-scoped advisory lock, so instances starting at once
// apply each migration exactly once, and nothing outlives the transaction (a session-level lock
// would stay behind on a pooler's server connection). The dialect's adapter takes the same
// transaction-scoped lock when Kysely's migrator asks for its own (database.ts).
import { type Kysely, sql } from 'kysely'
import { Migrator } from 'kysely/migration'
import { migrations } from './migrations/index.ts'
import type { Tables } from './tables.ts'

/** The advisory lock key migrations serialize on (Kysely's own, so older instances agree). */
export const MIGRATION_LOCK_ID = BigInt('3853314791062309107')

export async function migrateToLatest(db: Kysely<Tables>): Promise<string[]> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${sql.lit(MIGRATION_LOCK_ID)})`.execute(trx)
    const migrator = new Migrator({
      db: trx,
      provider: { getMigrations: async () => migrations },
      // Numbers are handed out to work done in parallel, so a lower one can ship after a higher
      // one has run somewhere (0009 after 0012): each applies once, whatever the order.
      allowUnorderedMigrations: true,
    })
    const { error, results } = await migrator.migrateToLatest()
    if (error) throw error instanceof Error ? error : new Error(String(error))
    return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
  })
}
