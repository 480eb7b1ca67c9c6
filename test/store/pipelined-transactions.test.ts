// BEGIN written with a transaction's first statement and COMMIT right behind its closing statement
// (store/pipelined-transactions.ts): fewer round trips, and every transaction still all or nothing.
// On PostgreSQL (PGlite runs in the process: no round trips to save), and through PgBouncer in
// transaction mode when it is installed.
import { Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLOSING_STATEMENT, pipeliningTransactions } from '../../src/store/pipelined-transactions.ts'
import { planStatementsOnce } from '../../src/store/prepared-statements.ts'
import type { Tables } from '../../src/store/tables.ts'
import { databases, openTestDatabase, type TestDatabase } from '../helpers/databases.ts'
import { findPgBouncer, type PgBouncer, startPgBouncer } from '../helpers/pgbouncer.ts'

const closing = (text: string) => sql.raw(`${CLOSING_STATEMENT} ${text}`)

/** A Kysely on one pipelining connection, and what went over its socket: writes (one entry for those in a row), and each answer. */
function openPipelining(url: string, options: pg.PoolConfig = {}) {
  const wire: ('write' | 'ready')[] = []
  const pool = new pg.Pool({
    connectionString: url,
    max: 1,
    Client: pipeliningTransactions(pg.Client),
    ...options,
  })
  pool.on('connect', (client) => {
    const connection = (
      client as unknown as { connection: pg.Connection & { stream: NodeJS.WritableStream } }
    ).connection
    const write = connection.stream.write.bind(connection.stream)
    connection.stream.write = ((...args: Parameters<typeof write>) => {
      if (wire.at(-1) !== 'write') wire.push('write')
      return write(...args)
    }) as typeof write
    connection.on('readyForQuery', () => wire.push('ready'))
  })
  const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) })
  return { db, wire, close: () => db.destroy() }
}

/** Runs `work` on a pipelining connection (openPipelining), closed afterwards whatever happens. */
async function withPipelining(
  url: string,
  work: (connection: { db: Kysely<Tables>; wire: ('write' | 'ready')[] }) => Promise<void>,
  options: pg.PoolConfig = {},
): Promise<void> {
  const { db, wire, close } = openPipelining(url, options)
  try {
    await work({ db, wire })
  } finally {
    await close()
  }
}

async function countOf(db: Kysely<Tables>, table: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(db)
  return rows[0]?.n ?? -1
}

describe.runIf(databases.includes('postgres'))('pipelined transactions on PostgreSQL', () => {
  let database: TestDatabase
  let url: string
  beforeAll(async () => {
    database = await openTestDatabase('postgres')
    url = database.url ?? ''
    await sql`create table pipelined (n int primary key)`.execute(database.db)
    await sql`create table deferred (n int, constraint deferred_n unique (n) deferrable initially deferred)`.execute(
      database.db,
    )
  })
  afterAll(async () => {
    await database.close()
  })

  it('writes BEGIN with the first statement and COMMIT behind the closing one: two round trips for four', async () => {
    await withPipelining(url, async ({ db, wire }) => {
      await sql`select 1`.execute(db) // connects; what is counted starts after it
      wire.length = 0
      await db.transaction().execute(async (tx) => {
        await sql`insert into pipelined (n) values (${1})`.execute(tx)
        await sql`${closing('select 1 as closed')}`.execute(tx)
      })
      expect(wire).toEqual(['write', 'ready', 'ready', 'write', 'ready', 'ready'])
      expect(await countOf(db, 'pipelined')).toBe(1)
    })
  })

  it('writes nothing for a transaction that ran no statement', async () => {
    await withPipelining(url, async ({ db, wire }) => {
      await sql`select 1`.execute(db)
      wire.length = 0
      await db.transaction().execute(async () => {})
      expect(wire).toEqual([])
    })
  })

  it('rolls back everything when the closing statement fails, and the connection serves the next transaction', async () => {
    await withPipelining(url, async ({ db }) => {
      await expect(
        db.transaction().execute(async (tx) => {
          await sql`insert into pipelined (n) values (${2})`.execute(tx)
          await sql`${closing('select 1 / 0')}`.execute(tx)
        }),
      ).rejects.toMatchObject({ code: '22012' })
      expect(await countOf(db, 'pipelined')).toBe(1)
      await db.transaction().execute(async (tx) => {
        await sql`insert into pipelined (n) values (${3})`.execute(tx)
        await sql`${closing('select 1')}`.execute(tx)
      })
      const { rows } = await sql<{ n: number }>`select n from pipelined order by n`.execute(db)
      expect(rows).toEqual([{ n: 1 }, { n: 3 }])
    })
  })

  it('rolls back when the first statement fails, and answers that failure', async () => {
    await withPipelining(url, async ({ db }) => {
      await expect(
        db.transaction().execute(async (tx) => {
          await sql`insert into pipelined (n) values (${3})`.execute(tx) // taken already
        }),
      ).rejects.toMatchObject({ code: '23505' })
      await expect(
        db.transaction().execute(async (tx) => {
          await sql`insert into pipelined (n) values (${4})`.execute(tx)
          throw new Error('changed my mind')
        }),
      ).rejects.toThrow('changed my mind')
      const { rows } = await sql<{ n: number }>`select n from pipelined order by n`.execute(db)
      expect(rows).toEqual([{ n: 1 }, { n: 3 }])
    })
  })

  it('answers Kysely’s COMMIT with the failure of the COMMIT written ahead (a deferred constraint)', async () => {
    await withPipelining(url, async ({ db }) => {
      await expect(
        db.transaction().execute(async (tx) => {
          await sql`insert into deferred (n) values (${7}), (${7})`.execute(tx)
          await sql`${closing('select 1')}`.execute(tx)
        }),
      ).rejects.toMatchObject({ code: '23505' })
      expect(await countOf(db, 'deferred')).toBe(0)
      await sql`insert into deferred (n) values (${7})`.execute(db)
      expect(await countOf(db, 'deferred')).toBe(1)
    })
  })

  it('refuses a statement after the closing one: the transaction has ended', async () => {
    await withPipelining(url, async ({ db }) => {
      await expect(
        db.transaction().execute(async (tx) => {
          await sql`insert into pipelined (n) values (${5})`.execute(tx)
          await sql`${closing('select 1')}`.execute(tx)
          await sql`insert into pipelined (n) values (${6})`.execute(tx)
        }),
      ).rejects.toThrow('a statement was sent after the closing statement of its transaction')
      // The closing statement's COMMIT had been written: what came before it committed.
      const { rows } = await sql<{ n: number }>`select n from pipelined order by n`.execute(db)
      expect(rows).toEqual([{ n: 1 }, { n: 3 }, { n: 5 }])
    })
  })

  it('writes a SET LOCAL with BEGIN, for that transaction only', async () => {
    await withPipelining(
      url,
      async ({ db, wire }) => {
        await sql`select 1`.execute(db)
        wire.length = 0
        const inside = await db.transaction().execute(async (tx) => {
          await planStatementsOnce(tx)
          const { rows } = await sql<{
            mode: string
          }>`${closing("select current_setting('plan_cache_mode') as mode")}`.execute(tx)
          return rows[0]?.mode
        })
        expect(inside).toBe('auto')
        expect(wire).toEqual(['write', 'ready', 'ready', 'ready'])
        const { rows } = await sql<{
          mode: string
        }>`select current_setting('plan_cache_mode') as mode`.execute(db)
        expect(rows).toEqual([{ mode: 'force_custom_plan' }])
      },
      { options: '-c plan_cache_mode=force_custom_plan' },
    )
  })

  describe.runIf(findPgBouncer())('through PgBouncer in transaction mode', () => {
    let pgbouncer: PgBouncer
    beforeAll(async () => {
      pgbouncer = await startPgBouncer(url)
      await sql`create table pooled (n int primary key)`.execute(database.db)
    })
    afterAll(async () => {
      await pgbouncer.close()
    })

    it('commits each of 100 concurrent transactions whole, on 10 connections', async () => {
      await withPipelining(
        pgbouncer.pooledUrl(url),
        async ({ db }) => {
          const answers = await Promise.allSettled(
            Array.from({ length: 100 }, (_, n) =>
              db.transaction().execute(async (tx) => {
                await planStatementsOnce(tx)
                await sql`insert into pooled (n) values (${n})`.execute(tx)
                if (n % 10 === 0) await sql`${closing('select 1 / 0')}`.execute(tx)
                const { rows } = await sql<{ mode: string }>`${closing(
                  "select current_setting('plan_cache_mode') as mode",
                )}`.execute(tx)
                return rows[0]?.mode
              }),
            ),
          )
          expect(
            answers.filter((answer) => answer.status === 'fulfilled').map((answer) => answer.value),
          ).toEqual(Array(90).fill('auto'))
          const { rows } = await sql<{
            n: number
          }>`select count(*)::int as n from pooled where n % 10 = 0`.execute(db)
          expect(rows).toEqual([{ n: 0 }])
          expect(await countOf(db, 'pooled')).toBe(90)
        },
        { max: 10 },
      )
    })
  })
})
