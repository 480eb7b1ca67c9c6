// The reader of access announcements (store/announcements.ts), on PGlite and PostgreSQL: it
// delivers every committed transaction's keys once, except those of transactions this process
// applied itself (forgottenHere), whose keys would only drop entries loaded since.
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AnnouncementFollower } from '../../src/store/announcements.ts'
import { migrateToLatest } from '../../src/store/migrate.ts'
import { databases, openTestDatabase, type TestDatabase } from '../helpers/databases.ts'

describe.each(databases)('announcements on %s', (databaseName) => {
  let database: TestDatabase
  beforeAll(async () => {
    database = await openTestDatabase(databaseName)
    await migrateToLatest(database.db)
  })
  afterAll(async () => {
    await database?.close()
  })

  /** Announces `key` in a transaction of its own; answers that transaction's id. */
  async function announce(key: string): Promise<string> {
    return database.db.transaction().execute(async (db) => {
      await sql`insert into access_announcements (key) values (${key})`.execute(db)
      const { rows } = await sql<{ xact: string }>`select pg_current_xact_id()::text as xact`.execute(db)
      return rows[0]?.xact ?? ''
    })
  }

  async function until(condition: () => boolean): Promise<void> {
    const started = Date.now()
    while (!condition() && Date.now() - started < 5_000)
      await new Promise((resolve) => setTimeout(resolve, 10))
  }

  it("delivers other transactions' keys once, and not those of transactions applied here", async () => {
    const follower = new AnnouncementFollower(database.db, { pollMs: 20 })
    const delivered: string[] = []
    const stop = await follower.subscribe(
      (key) => delivered.push(key),
      () => delivered.push('gap'),
    )
    try {
      const here = await announce('user:applied-here')
      follower.forgottenHere(here)
      await announce('user:elsewhere')
      await until(() => delivered.includes('user:elsewhere'))
      await new Promise((resolve) => setTimeout(resolve, 100))
      expect(delivered).toEqual(['user:elsewhere'])
    } finally {
      await stop()
    }
  })
})
