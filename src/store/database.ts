// Opens the one database Portico runs on: a pg pool when DATABASE_URL is set, otherwise PGlite
// persisted in DATA_DIR. PGlite is a single-process database, so DATA_DIR is locked by a pid file:
// a second process on the same directory is refused instead of corrupting it.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm'
import { Kysely, PGliteDialect, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import type { Tables } from './tables.ts'

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
   * Calls `onMessage` for every NOTIFY on `channel` (from any instance, after its transaction
   * commits), and `onGap` when messages may have been missed (a lost connection). Resolves with
   * the function that stops listening.
   */
  listen(
    channel: string,
    onMessage: (payload: string) => void,
    onGap: () => void,
  ): Promise<() => Promise<void>>
  close(): Promise<void>
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
  return {
    db,
    kind: 'pglite',
    poolUse: () => ({ total: 1, idle: 1, waiting: 0 }),
    ping: async () => {
      await sql`select 1`.execute(db)
    },
    // PGlite is one process: its notifications never get lost, so there is no gap to report.
    listen: async (channel, onMessage) => pglite.listen(channel, onMessage),
    close: async () => {
      await db.destroy()
      unlock()
    },
  }
}

export async function openPostgres(
  connectionString: string,
  options: { max?: number; onQuery?: (sql: string, parameters: readonly unknown[]) => void } = {},
): Promise<Database> {
  const pool = new pg.Pool({ connectionString, max: options.max ?? 10, connectionTimeoutMillis: 5_000 })
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {})
  const onQuery = options.onQuery
  const db = new Kysely<Tables>({
    dialect: new PostgresDialect({ pool }),
    // Only tests observe queries (to check their plans); production passes no observer.
    log: onQuery
      ? (event) => {
          if (event.level === 'query') onQuery(event.query.sql, event.query.parameters)
        }
      : undefined,
  })
  const listeners = new Set<() => Promise<void>>()
  const database: Database = {
    db,
    kind: 'postgres',
    poolUse: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    ping: async () => {
      await sql`select 1`.execute(db)
    },
    listen: async (channel, onMessage, onGap) => {
      const stop = await listenOnPostgres(connectionString, channel, onMessage, onGap)
      listeners.add(stop)
      return async () => {
        listeners.delete(stop)
        await stop()
      }
    },
    close: async () => {
      await Promise.all([...listeners].map((stop) => stop()))
      await db.destroy()
    },
  }
  try {
    await database.ping()
  } catch (error) {
    await db.destroy().catch(() => {})
    const where = (() => {
      try {
        const url = new URL(connectionString)
        return `${url.hostname}:${url.port || 5432}${url.pathname}`
      } catch {
        return 'DATABASE_URL'
      }
    })()
    throw new DatabaseUnavailableError(`cannot reach PostgreSQL at ${where}: ${(error as Error).message}`)
  }
  return database
}

/**
 * LISTEN on a dedicated connection (a pooled one would be handed to queries). When it drops, it
 * reconnects and reports a gap, since notifications sent meanwhile are lost.
 */
async function listenOnPostgres(
  connectionString: string,
  channel: string,
  onMessage: (payload: string) => void,
  onGap: () => void,
): Promise<() => Promise<void>> {
  let stopped = false
  let client: pg.Client | undefined
  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString })
    next.on('notification', (message) => {
      if (message.channel === channel) onMessage(message.payload ?? '')
    })
    next.on('error', () => {
      if (stopped) return
      void next.end().catch(() => {})
      onGap()
      setTimeout(() => void reconnect(), 500).unref()
    })
    await next.connect()
    await next.query(`listen ${pg.escapeIdentifier(channel)}`)
    client = next
  }
  const reconnect = async (): Promise<void> => {
    while (!stopped) {
      try {
        await connect()
        onGap()
        return
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 1_000).unref())
      }
    }
  }
  await connect()
  return async () => {
    stopped = true
    await client?.end().catch(() => {})
  }
}

export function openDatabase(options: {
  databaseUrl: string | undefined
  dataDir: string
}): Promise<Database> {
  return options.databaseUrl ? openPostgres(options.databaseUrl) : openPGlite(options.dataDir)
}
