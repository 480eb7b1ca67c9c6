// Opens the one database Portico runs on: a pg pool when DATABASE_URL is set, otherwise PGlite
// persisted in DATA_DIR. PGlite is a single-process database, so DATA_DIR is locked by a pid file:
// a second process on the same directory is refused instead of corrupting it.
//
// DATABASE_URL may go through a pooler in transaction mode (PgBouncer): nothing here keeps state
// in a session between transactions. Announcements are read by polling (announcements.ts), not
// LISTEN; the migration lock is transaction-scoped (migrate.ts); pg sends unnamed statements.
// DATABASE_DIRECT_URL, when set, is used only to migrate.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm'
import { Kysely, PGliteDialect, PostgresAdapter, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import { ACCESS_CHANNEL } from './access-changes.ts'
import { AnnouncementFollower } from './announcements.ts'
import { MIGRATION_LOCK_ID } from './migrate.ts'
import { pipeliningTransactions } from './pipelined-transactions.ts'
import { detectTransactionPooling, type PreparedStatements, preparingClient } from './prepared-statements.ts'
import type { Tables } from './tables.ts'
import { valueParsers } from './value-parsers.ts'

export type DatabaseKind = 'pglite' | 'postgres'

export interface PoolUse {
  total: number
  idle: number
  waiting: number
}

export interface Database {
  db: Kysely<Tables>
  kind: DatabaseKind
  /** Connections in use, for /metrics. */
  poolUse(): PoolUse
  /** Resolves when the database answers a query. */
  ping(): Promise<void>
  /**
   * Calls `onMessage` for every key announced on `channel` (ACCESS_CHANNEL, the only one) by any
   * instance's write once it commits (read within ANNOUNCEMENT_POLL_MS), and `onGap` when keys may
   * have been missed (the database did not answer for a while). Resolves with the function that
   * stops listening.
   */
  listen(
    channel: string,
    onMessage: (payload: string) => void,
    onGap: () => void,
  ): Promise<() => Promise<void>>
  /**
   * The transaction `xact` (xid8 as text) has committed, and what it announced has been applied
   * to this process's caches already: its keys are not delivered to the listeners again.
   */
  forgottenHere(xact: string): void
  /**
   * Runs `work` on the direct connection (DATABASE_DIRECT_URL) when one is configured, else on
   * the pool: for migrating.
   */
  direct<T>(work: (db: Kysely<Tables>) => Promise<T>): Promise<T>
  close(): Promise<void>
}

/**
 * Kysely's migrator takes a session-level advisory lock; through a pooler in transaction mode a
 * session lock stays on whichever server connection took it. Portico migrates in one transaction
 * under a transaction-scoped lock instead (migrate.ts), so the migrator's own lock is that lock.
 */
class TransactionLockAdapter extends PostgresAdapter {
  override async acquireMigrationLock(db: Kysely<unknown>): Promise<void> {
    await sql`select pg_advisory_xact_lock(${sql.lit(MIGRATION_LOCK_ID)})`.execute(db)
  }
  override async releaseMigrationLock(): Promise<void> {}
}

class PorticoPostgresDialect extends PostgresDialect {
  override createAdapter(): PostgresAdapter {
    return new TransactionLockAdapter()
  }
}

function listenTo(follower: AnnouncementFollower): Database['listen'] {
  return (channel, onMessage, onGap) => {
    if (channel !== ACCESS_CHANNEL) throw new Error(`no announcements on ${channel}`)
    return follower.subscribe(onMessage, onGap)
  }
}

export class DatabaseUnavailableError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'DatabaseUnavailableError'
  }
}

const LOCK_FILE = 'portico.pid'

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Takes DATA_DIR for this process; returns the function that gives it back. */
function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true })
  const lockPath = join(dataDir, LOCK_FILE)
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lockPath, String(process.pid), { flag: 'wx' })
      return () => rmSync(lockPath, { force: true })
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const holder = Number.parseInt(readFileSync(lockPath, 'utf8'), 10)
      if (Number.isInteger(holder) && holder !== process.pid && processIsAlive(holder)) {
        throw new DatabaseUnavailableError(
          `DATA_DIR ${resolve(dataDir)} is in use by another Portico process (pid ${holder}); stop it or set another DATA_DIR`,
        )
      }
      // The holder died without cleaning up: the lock is stale.
      rmSync(lockPath, { force: true })
    }
  }
  throw new DatabaseUnavailableError(`could not lock DATA_DIR ${resolve(dataDir)}`)
}

/** PGlite in a directory, or in memory when dataDir is undefined (tests). */
export async function openPGlite(dataDir: string | undefined): Promise<Database> {
  const unlock = dataDir === undefined ? () => {} : lockDataDir(dataDir)
  let pglite: PGlite
  try {
    // pg_trgm serves member search by substring (migration 0005), as on PostgreSQL.
    pglite = await PGlite.create({
      ...(dataDir === undefined ? {} : { dataDir: join(dataDir, 'pgdata') }),
      extensions: { pg_trgm },
    })
  } catch (error) {
    unlock()
    throw new DatabaseUnavailableError(`could not open the embedded database: ${(error as Error).message}`)
  }
  const db = new Kysely<Tables>({ dialect: new PGliteDialect({ pglite }) })
  // One process, one connection shared with every query: read less often (still within a second).
  const follower = new AnnouncementFollower(db, { pollMs: 250 })
  return {
    db,
    kind: 'pglite',
    poolUse: () => ({ total: 1, idle: 1, waiting: 0 }),
    ping: async () => {
      await sql`select 1`.execute(db)
    },
    listen: listenTo(follower),
    forgottenHere: (xact) => follower.forgottenHere(xact),
    direct: (work) => work(db),
    close: async () => {
      await follower.stop()
      await db.destroy()
      unlock()
    },
  }
}

export async function openPostgres(
  connectionString: string,
  options: {
    max?: number
    onQuery?: (sql: string, parameters: readonly unknown[]) => void
    /** DATABASE_DIRECT_URL: for migrating when connectionString goes through a pooler. */
    directUrl?: string
    /** DATABASE_PREPARED_STATEMENTS: `auto` prepares them unless the connections turn out pooled. */
    preparedStatements?: 'auto' | 'on' | 'off'
  } = {},
): Promise<Database> {
  const unreachable = (error: unknown) => {
    const where = (() => {
      try {
        const url = new URL(connectionString)
        return `${url.hostname}:${url.port || 5432}${url.pathname}`
      } catch {
        return 'DATABASE_URL'
      }
    })()
    return new DatabaseUnavailableError(`cannot reach PostgreSQL at ${where}: ${(error as Error).message}`)
  }
  const preparing = options.preparedStatements ?? 'auto'
  let prepare = preparing === 'on'
  if (preparing === 'auto') {
    try {
      prepare = !(await detectTransactionPooling(connectionString))
    } catch (error) {
      throw unreachable(error)
    }
  }
  const statements: PreparedStatements = {
    enabled: prepare,
    onDisabled: (reason) =>
      process.emitWarning(`prepared statements switched off: ${reason}`, {
        code: 'PORTICO_PREPARED_STATEMENTS',
      }),
  }
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 10,
    connectionTimeoutMillis: 5_000,
    Client: pipeliningTransactions(preparingClient(statements)),
    types: valueParsers,
  })
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {})
  const onQuery = options.onQuery
  const directUrl = options.directUrl
  const db = new Kysely<Tables>({
    dialect: new PorticoPostgresDialect({ pool }),
    // Only tests observe queries (to check their plans); production passes no observer.
    log: onQuery
      ? (event) => {
          if (event.level === 'query') onQuery(event.query.sql, event.query.parameters)
        }
      : undefined,
  })
  const follower = new AnnouncementFollower(db)
  const database: Database = {
    db,
    kind: 'postgres',
    poolUse: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    ping: async () => {
      await sql`select 1`.execute(db)
    },
    listen: listenTo(follower),
    forgottenHere: (xact) => follower.forgottenHere(xact),
    direct: async (work) => {
      if (directUrl === undefined) return work(db)
      const directDb = new Kysely<Tables>({
        dialect: new PorticoPostgresDialect({
          pool: new pg.Pool({ connectionString: directUrl, max: 1, connectionTimeoutMillis: 5_000 }),
        }),
      })
      try {
        return await work(directDb)
      } finally {
        await directDb.destroy()
      }
    },
    close: async () => {
      await follower.stop()
      await db.destroy()
    },
  }
  try {
    await database.ping()
  } catch (error) {
    await db.destroy().catch(() => {})
    throw unreachable(error)
  }
  return database
}

export function openDatabase(options: {
  databaseUrl: string | undefined
  databaseDirectUrl?: string | undefined
  databasePreparedStatements?: 'auto' | 'on' | 'off'
  dataDir: string
}): Promise<Database> {
  return options.databaseUrl
    ? openPostgres(options.databaseUrl, {
        directUrl: options.databaseDirectUrl,
        preparedStatements: options.databasePreparedStatements,
      })
    : openPGlite(options.dataDir)
}
