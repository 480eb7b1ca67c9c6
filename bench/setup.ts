// The setup every HTTP benchmark of `npm run bench` shares (bench/run.ts, and bench/gateway.ts run
// alone): a real Portico (PostgreSQL when DATABASE_URL is set, else PGlite in a temporary DATA_DIR,
// measured on a restart as in production), a signed-up owner with an organization, an application
// with a production key, and the ceiling: a bare node:http server answering the organization's JSON.
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { serverArguments, spawnServer, stop, waitFor } from './harness.ts'

const root = fileURLToPath(new URL('..', import.meta.url))

/** A JSON call to the benchmarked Portico; throws on any answer but 2xx. */
export type Json = (
  path: string,
  init?: { method?: string; token?: string; body?: unknown },
  // biome-ignore lint/suspicious/noExplicitAny: answers are read field by field
) => Promise<{ text: string; body: any }>

export interface BenchPortico {
  port: number
  base: string
  server: ChildProcess
  /** Start-up to a ready /readyz (existing data). */
  startupMs: number
  json: Json
  email: string
  password: string
  /** The owner's bearer token. */
  token: string
  organization: { id: string }
  application: { id: string }
  key: { id: string; secret: string }
  ceilingPort: number
  ceiling: ChildProcess
  /** Stops the ceiling and Portico and removes the temporary data. */
  close(): Promise<void>
}

export async function startBenchPortico(port: number): Promise<BenchPortico> {
  const base = `http://127.0.0.1:${port}`
  const ceilingPort = port + 1
  const dataDir = mkdtempSync(join(tmpdir(), 'portico-bench-'))
  const env = {
    ...process.env,
    PORT: String(port),
    DATA_DIR: dataDir,
    RATE_LIMIT: 'off',
    LOG_LEVEL: 'warn',
    ORG_CREATION_LIMIT: '0',
    GATEWAY_TOKEN: 'bench-gateway',
  }
  // The first start creates the embedded cluster; the one measured is a restart, as in production.
  if (!process.env.DATABASE_URL) {
    const init = spawnServer(process.execPath, serverArguments, { cwd: root, env, stdio: 'inherit' })
    await waitFor(`${base}/readyz`, init)
    await stop(init)
  }
  const server = spawnServer(process.execPath, serverArguments, { cwd: root, env, stdio: 'inherit' })
  let ceiling: ChildProcess | undefined
  const close = async () => {
    if (ceiling) await stop(ceiling)
    await stop(server)
    rmSync(dataDir, { recursive: true, force: true })
  }
  try {
    const startupMs = await waitFor(`${base}/readyz`, server)
    const json: Json = async (path, init = {}) => {
      const response = await fetch(`${base}${path}`, {
        method: init.method ?? 'GET',
        headers: {
          ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
        },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      })
      const text = await response.text()
      if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${response.status} ${text}`)
      return { text, body: text ? JSON.parse(text) : undefined }
    }
    const email = `bench-${Date.now()}@example.com`
    const password = 'benchmark password'
    const { body: signedUp } = await json('/v1/auth/sign-up', {
      method: 'POST',
      body: { email, password, name: 'Bench' },
    })
    const token: string = signedUp.token
    const { body: organization } = await json('/v1/organizations', {
      method: 'POST',
      token,
      body: { name: `Bench ${Date.now()}` },
    })
    const { body: application } = await json(`/v1/organizations/${organization.id}/applications`, {
      method: 'POST',
      token,
      body: { name: 'Bench shop' },
    })
    const { body: key } = await json(
      `/v1/organizations/${organization.id}/applications/${application.id}/keys`,
      { method: 'POST', token, body: { environment: 'production' } },
    )
    // The ceiling answers exactly what Portico answers for the organization.
    const { text: organizationJson } = await json(`/v1/organizations/${organization.id}`, { token })
    ceiling = spawnServer(process.execPath, ['bench/ceiling-server.ts'], {
      cwd: root,
      env: { ...process.env, CEILING_PORT: String(ceilingPort), CEILING_BODY: organizationJson },
      stdio: 'ignore',
    })
    await waitFor(`http://127.0.0.1:${ceilingPort}/`, ceiling)
    return {
      port,
      base,
      server,
      startupMs,
      json,
      email,
      password,
      token,
      organization,
      application,
      key,
      ceilingPort,
      ceiling,
      close,
    }
  } catch (error) {
    await close()
    throw error
  }
}
