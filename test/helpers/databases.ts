// The databases every storage suite runs on: PGlite always, and PostgreSQL unless
// TEST_DATABASE_URL=off. Which PostgreSQL is found once per run by test/helpers/postgres-setup.ts
// (TEST_DATABASE_URL, else the one at 127.0.0.1:5432, else an embedded one). Each test file gets a
// fresh database of its own (PGlite in memory, or a new PostgreSQL database dropped afterwards), so
// files run in parallel without sharing rows.
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { inject } from 'vitest'
import { type Database, openPGlite, openPostgres } from '../../src/store/database.ts'

export type DatabaseName = 'pglite' | 'postgres'

// Outside a run with postgres-setup.ts as globalSetup nothing is provided: fall back to the variable.
const postgresUrl =
  inject('postgresUrl') ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

export const databases: DatabaseName[] = postgresUrl === 'off' ? ['pglite'] : ['pglite', 'postgres']

export interface TestDatabase extends Database {
  /** The connection string of a PostgreSQL test database (for a second instance on it). */
  url?: string
}

async function createPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `portico_test_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: postgresUrl })
  try {
    await admin.connect()
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${postgresUrl} (${(error as Error).message}); it was found at the start of the run by test/helpers/postgres-setup.ts`,
    )
  }
  await admin.query(`create database ${name}`)
  await admin.end()
  const url = new URL(postgresUrl)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: postgresUrl })
      await client.connect()
      await client.query(`drop database if exists ${name} with (force)`)
      await client.end()
    },
  }
}

export async function openTestDatabase(name: DatabaseName): Promise<TestDatabase> {
  if (name === 'pglite') return openPGlite(undefined)
  const created = await createPostgresDatabase()
  const database = await openPostgres(created.url)
  return {
    ...database,
    url: created.url,
    close: async () => {
      await database.close()
      await created.drop()
    },
  }
}
