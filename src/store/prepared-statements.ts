// Named prepared statements on direct connections. PostgreSQL parses, analyses and plans an
// unnamed statement every time it runs; a named one is parsed once per connection and then only
// bound, planned with its values and executed. A transaction-mode pooler (PgBouncer) hands a
// client's transactions to different server connections, where a statement prepared on another
// does not exist, so statements are prepared only when openPostgres has found the connections
// direct (detectTransactionPooling) or DATABASE_PREPARED_STATEMENTS=on says so; and should a
// server connection ever answer that a prepared statement does not exist, they are switched off
// for good in this process. Every run is still planned with its values (force_custom_plan): with
// generic plans (PostgreSQL's default past a statement's fifth run) planning costs nothing, but a
// plan is kept for as long as the connection lives, and the foreign-key checks' plans too: built
// while a table's statistics still said one row (just after a fresh install, until autovacuum
// analyses it again), they scanned the whole table for every check. Measured with 50 concurrent
// creations: generic plans 1,450–1,700 creations/s in some runs and 570–810 in others, custom
// plans 1,180–1,230 in every run. Group commit (services/call-groups.ts) plans a group's statement
// once for all of its rows instead. A predicate a partial index is defined by (`status =
// 'pending'`) is still written as a literal, so that no plan depends on a parameter to find it.
// A transaction whose writes grow none of the tables its checks read may ask for plans made once
// per connection (planStatementsOnce): acceptance groups do.

import { createHash } from 'node:crypto'
import { sql } from 'kysely'
import pg from 'pg'
import type { Executor } from './executor.ts'

/** Statements prepared per connection at most; further ones run unnamed (queries built with literals would otherwise grow without bound). */
const MAX_PREPARED_PER_CONNECTION = 1_000

/** The switch every client of one pool reads. */
export interface PreparedStatements {
  enabled: boolean
  onDisabled(reason: string): void
}

/** A pg.Client that names every parameterised statement by the hash of its text. */
export function preparingClient(statements: PreparedStatements): typeof pg.Client {
  return class PreparingClient extends pg.Client {
    /** Whether this connection was opened for prepared statements (those opened before the check was made are not). */
    readonly #prepares: boolean
    #prepared = 0

    constructor(config?: pg.ClientConfig) {
      const prepares = statements.enabled
      super(
        prepares
          ? { ...config, options: `${config?.options ?? ''} -c plan_cache_mode=force_custom_plan`.trim() }
          : config,
      )
      this.#prepares = prepares
    }

    // biome-ignore lint/suspicious/noExplicitAny: pg.Client's overloads, passed through unchanged
    override query(config: any, values?: any, callback?: any): any {
      if (
        !this.#prepares ||
        !statements.enabled ||
        typeof config !== 'string' ||
        !Array.isArray(values) ||
        values.length === 0 ||
        typeof callback === 'function'
      ) {
        return super.query(config, values, callback)
      }
      const name = `portico_${createHash('sha1').update(config).digest('base64url')}`
      const known = (this as unknown as { connection: { parsedStatements: Record<string, string> } })
        .connection.parsedStatements[name]
      if (known === undefined) {
        if (this.#prepared >= MAX_PREPARED_PER_CONNECTION) return super.query(config, values)
        this.#prepared++
      }
      return (super.query({ name, text: config, values }) as Promise<unknown>).catch((error: unknown) => {
        const code = (error as { code?: string }).code
        // invalid_sql_statement_name, duplicate_prepared_statement: not one connection after all.
        if (code === '26000' || code === '42P05') {
          statements.enabled = false
          statements.onDisabled(`PostgreSQL answered ${code} (${(error as Error).message})`)
        }
        throw error
      })
    }
  }
}

/**
 * Whether connections to `connectionString` go through a transaction-mode pooler: two clients' statements,
 * each its own transaction, must each keep one server process, never the other's. A pooler hands
 * the server connection one client just released to the next (PgBouncer reuses the most recent).
 */
export async function detectTransactionPooling(connectionString: string): Promise<boolean> {
  const first = new pg.Client({ connectionString, connectionTimeoutMillis: 5_000 })
  const second = new pg.Client({ connectionString, connectionTimeoutMillis: 5_000 })
  try {
    await first.connect()
    await second.connect()
    const pid = async (client: pg.Client) =>
      Number((await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]?.pid)
    const a: number[] = []
    const b: number[] = []
    for (let round = 0; round < 3; round++) {
      a.push(await pid(first))
      b.push(await pid(second))
    }
    // Other clients' traffic through the pooler can hand each client the same server process
    // every time by chance. A transaction held open on `second` pins its server process, so a
    // pooler must give `first` another one meanwhile — and, once it is released, that one is the
    // most recently used again. A direct connection keeps its own process throughout.
    await second.query('begin')
    b.push(await pid(second))
    a.push(await pid(first))
    await second.query('commit')
    a.push(await pid(first))
    const steady = (pids: number[]) => pids.every((value) => value === pids[0])
    return !steady(a) || !steady(b) || a[0] === b[0]
  } finally {
    await Promise.allSettled([first.end(), second.end()])
  }
}

/**
 * Plans the rest of the transaction's statements once per connection (PostgreSQL's default
 * `auto` mode: with their values for five runs, then a generic plan when it costs no more),
 * foreign-key checks included. For a write whose checks find rows by key in tables it does not
 * grow: a generic plan built while such a table was tiny would scan it whole once it had grown,
 * and a write that grows it while it runs would meet exactly that. Written with the transaction's
 * BEGIN (pipelined-transactions.ts), so it costs no round trip.
 */
export async function planStatementsOnce(db: Executor): Promise<void> {
  await sql`set local plan_cache_mode = auto`.execute(db)
}
