// A PgBouncer in transaction mode in front of the test PostgreSQL, for the tests that run Portico
// through a pooler: its own process on a free port with a generated configuration, stopped by
// `close`. Needs the `pgbouncer` binary (`apt-get install pgbouncer`; .ci/run installs it); where
// it is missing, two-instances.ts leaves the through-PgBouncer variants out and the run says so.
import { type ChildProcess, spawn } from 'node:child_process'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { findExecutable, PGBOUNCER } from './executables.ts'

export interface PgBouncer {
  /** The same database as `directUrl`, reached through the pooler. */
  pooledUrl(directUrl: string): string
  close(): Promise<void>
}

/** The pgbouncer binary of this machine, or undefined where it is not installed (npm ships none). */
export function findPgBouncer(): string | undefined {
  return findExecutable(PGBOUNCER)
}

function pgbouncerBinary(): string {
  const binary = findPgBouncer()
  if (!binary) throw new Error('pgbouncer is not installed (apt-get install -y pgbouncer)')
  return binary
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

export async function startPgBouncer(serverUrl: string): Promise<PgBouncer> {
  const server = new URL(serverUrl)
  const user = decodeURIComponent(server.username || 'postgres')
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'portico-pgbouncer-'))
  chmodSync(dir, 0o755)
  writeFileSync(join(dir, 'users.txt'), `"${user}" "${decodeURIComponent(server.password)}"\n`, {
    mode: 0o644,
  })
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = host=${server.hostname} port=${server.port || 5432}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${join(dir, 'users.txt')}`,
      'pool_mode = transaction',
      'default_pool_size = 20',
      'max_client_conn = 400',
      '',
    ].join('\n'),
    { mode: 0o644 },
  )
  // PgBouncer refuses to run as root; -u makes it switch to the postgres account.
  const asRoot = process.getuid?.() === 0 ? ['-u', 'postgres'] : []
  const child: ChildProcess = spawn(pgbouncerBinary(), [...asRoot, join(dir, 'pgbouncer.ini')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let errors = ''
  child.stderr?.on('data', (chunk) => {
    errors = (errors + String(chunk)).slice(-4000)
  })
  const pooledUrl = (directUrl: string) => {
    const url = new URL(directUrl)
    url.hostname = '127.0.0.1'
    url.port = String(port)
    return url.toString()
  }
  const close = async () => {
    if (child.exitCode === null) {
      child.kill('SIGINT')
      await new Promise((resolve) => child.once('exit', resolve))
    }
    rmSync(dir, { recursive: true, force: true })
  }
  for (let attempt = 0; ; attempt++) {
    const client = new pg.Client({ connectionString: pooledUrl(serverUrl) })
    try {
      await client.connect()
      await client.query('select 1')
      await client.end()
      break
    } catch (error) {
      await client.end().catch(() => {})
      if (child.exitCode !== null || attempt > 100) {
        await close()
        throw new Error(`pgbouncer did not start: ${(error as Error).message}\n${errors}`)
      }
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  return { pooledUrl, close }
}
