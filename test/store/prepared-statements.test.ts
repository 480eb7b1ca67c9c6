// Named prepared statements where the connections are direct, never through a transaction-mode
// pooler (store/prepared-statements.ts): the pool finds out which, statements are prepared once per
// connection and reused, and a pooled deployment keeps working. On PostgreSQL (PGlite has none).
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openPostgres } from '../../src/store/database.ts'
import { detectTransactionPooling } from '../../src/store/prepared-statements.ts'
import { databases, openTestDatabase, type TestDatabase } from '../helpers/databases.ts'
import { findPgBouncer, type PgBouncer, startPgBouncer } from '../helpers/pgbouncer.ts'

describe.runIf(databases.includes('postgres'))('prepared statements on PostgreSQL', () => {
  let database: TestDatabase
  beforeAll(async () => {
    database = await openTestDatabase('postgres')
  })
  afterAll(async () => {
    await database.close()
  })

  it('finds direct connections direct', async () => {
    expect(await detectTransactionPooling(database.url ?? '')).toBe(false)
  })

  it('prepares a parameterised statement once per connection and runs it again by name', async () => {
    // One connection, so the statement and the look into pg_prepared_statements share it.
    const direct = await openPostgres(database.url ?? '', { max: 1 })
    try {
      for (const n of [1, 2, 3]) {
        const { rows } = await sql<{ n: number }>`select ${n}::int + 1 as n`.execute(direct.db)
        expect(rows).toEqual([{ n: n + 1 }])
      }
      const { rows } = await sql<{ statement: string }>`
        select statement from pg_prepared_statements where statement like ${'%::int + 1 as n'}`.execute(
        direct.db,
      )
      expect(rows).toEqual([{ statement: 'select $1::int + 1 as n' }])
    } finally {
      await direct.close()
    }
  })

  // guards: a generic plan cannot infer ON CONFLICT's partial-index arbiter from a parameter
  // (every invitation after the fifth on a connection failed with a 500)
  it('plans every run with its values: an ON CONFLICT on a partial index works past the fifth run', async () => {
    const direct = await openPostgres(database.url ?? '', { max: 1 })
    try {
      await sql`create table pending_params (n int not null, status text not null)`.execute(direct.db)
      await sql`create unique index pending_params_n on pending_params (n) where status = 'pending'`.execute(
        direct.db,
      )
      for (let n = 0; n < 12; n++) {
        await sql`insert into pending_params (n, status) values (${n}, ${'pending'})
          on conflict (n) where status = ${'pending'} do nothing`.execute(direct.db)
      }
      const { rows } = await sql<{ n: string }>`select count(*)::text as n from pending_params`.execute(
        direct.db,
      )
      expect(rows).toEqual([{ n: '12' }])
    } finally {
      await direct.close()
    }
  })

  // the store writes partial-index predicates as literals, which even a generic plan matches
  it('runs an ON CONFLICT on a partial index with a generic plan when its predicate is a literal', async () => {
    const direct = await openPostgres(database.url ?? '', { max: 1 })
    try {
      await sql`create table pending_things (n int not null, status text not null)`.execute(direct.db)
      await sql`create unique index pending_things_n on pending_things (n) where status = 'pending'`.execute(
        direct.db,
      )
      await sql`set plan_cache_mode = force_generic_plan`.execute(direct.db)
      for (let n = 0; n < 12; n++) {
        await sql`insert into pending_things (n, status) values (${n}, ${'pending'})
          on conflict (n) where status = 'pending' do nothing`.execute(direct.db)
      }
      const { rows } = await sql<{ n: string }>`select count(*)::text as n from pending_things`.execute(
        direct.db,
      )
      expect(rows).toEqual([{ n: '12' }])
    } finally {
      await direct.close()
    }
  })

  it('prepares nothing with DATABASE_PREPARED_STATEMENTS=off', async () => {
    const direct = await openPostgres(database.url ?? '', { max: 1, preparedStatements: 'off' })
    try {
      await sql`select ${1}::int as one`.execute(direct.db)
      const { rows } = await sql<{
        n: string
      }>`select count(*)::text as n from pg_prepared_statements`.execute(direct.db)
      expect(rows).toEqual([{ n: '0' }])
    } finally {
      await direct.close()
    }
  })

  describe.runIf(findPgBouncer())('through PgBouncer in transaction mode', () => {
    let pgbouncer: PgBouncer
    beforeAll(async () => {
      pgbouncer = await startPgBouncer(database.url ?? '')
    })
    afterAll(async () => {
      await pgbouncer.close()
    })

    it('finds the connections pooled', async () => {
      expect(await detectTransactionPooling(pgbouncer.pooledUrl(database.url ?? ''))).toBe(true)
    })

    it('prepares nothing there, so 200 concurrent parameterised statements all answer', async () => {
      const pooled = await openPostgres(pgbouncer.pooledUrl(database.url ?? ''), { max: 10 })
      try {
        const answers = await Promise.all(
          Array.from({ length: 200 }, async (_, n) => {
            const { rows } = await sql<{ n: number }>`select ${n}::int * 2 as n`.execute(pooled.db)
            return rows[0]?.n
          }),
        )
        expect(answers).toEqual(Array.from({ length: 200 }, (_, n) => n * 2))
      } finally {
        await pooled.close()
      }
    })
  })
})
