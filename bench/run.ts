// `npm run bench`: starts a real Portico (PostgreSQL when DATABASE_URL is set, else PGlite in a
// temporary DATA_DIR) and, in the same run, a bare node:http server returning the same JSON as the
// ceiling (both by bench/setup.ts, shared with bench/gateway.ts). Load comes from autocannon in a separate process, each scenario bounded in time. Prints
// a table (requests/s, p50, p99, ratio to the ceiling, server RSS) and writes docs/performance.md.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { newApiKey } from '../src/domain/api-keys.ts'
import { gatewayScenarios } from './gateway.ts'
import { type AutocannonResult, autocannon, rssMiB } from './harness.ts'
import { seedInvitees } from './invitees.ts'
import { benchmarkPermissionChecks } from './permissions.ts'
import { startBenchPortico } from './setup.ts'

const root = fileURLToPath(new URL('..', import.meta.url))
const seconds = Number(process.env.BENCH_SECONDS ?? 10)
const port = Number(process.env.BENCH_PORT ?? 3900)
const base = `http://127.0.0.1:${port}`

interface Row {
  scenario: string
  result: AutocannonResult
  ceiling?: AutocannonResult
  rssMiB: number
  note: string
}

/** Adds `count` members to an organization directly in the database (as `npm run seed` does). */
async function seedMembers(organizationId: string, count: number): Promise<void> {
  const url = process.env.DATABASE_URL
  if (!url) return
  const pg = (await import('pg')).default
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  await client.query(
    `insert into users (id, email, name, password_hash, created_at)
       select gen_random_uuid(), 'bench-member-' || g || '-' || $2 || '@bench.test', 'Bench Member ' || g, 'x', now() from generate_series(1, $1::int) g`,
    [count, organizationId],
  )
  await client.query(
    `insert into memberships (organization_id, user_id, roles, joined_at)
       select $1::uuid, id, array['member'], now() + (row_number() over ()) * interval '1 ms' from users where email like 'bench-member-%-' || $1 || '@bench.test'`,
    [organizationId],
  )
  await client.end()
}

/** Runs `send` for every item, `concurrency` at a time, and reports latencies like autocannon. */
async function timed<T>(
  items: T[],
  concurrency: number,
  send: (item: T) => Promise<Response>,
): Promise<AutocannonResult> {
  const latencies: number[] = []
  let failures = 0
  const started = performance.now()
  const queue = [...items]
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
        const begin = performance.now()
        const response = await send(item)
        await response.arrayBuffer()
        latencies.push(performance.now() - begin)
        if (!response.ok) failures++
      }
    }),
  )
  latencies.sort((a, b) => a - b)
  const at = (q: number) =>
    Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0)
  return {
    requests: { average: items.length / ((performance.now() - started) / 1000) },
    latency: { p50: at(0.5), p99: at(0.99) },
    errors: 0,
    non2xx: failures,
  }
}

async function main() {
  const bench = await startBenchPortico(port)
  const { server, startupMs, json, email, password, token, organization, key, ceilingPort } = bench
  const shop = bench.application
  const rows: Row[] = []
  try {
    const authorization = { authorization: `Bearer ${token}` }
    const ceiling = await autocannon(`http://127.0.0.1:${ceilingPort}/`, {
      connections: 50,
      headers: authorization,
    })
    const getOrganization = await autocannon(`${base}/v1/organizations/${organization.id}`, {
      connections: 50,
      headers: authorization,
    })
    rows.push({
      scenario: 'GET /v1/organizations/{org} (authorized)',
      result: getOrganization,
      ceiling,
      rssMiB: rssMiB(server.pid),
      note: 'from the session cache (a miss is one query: session + user + organization + membership)',
    })

    // Key verification: warm (the key is cached) and cold (a well-formed key never seen, so every
    // request misses the cache and looks the key up in the database).
    const gateway = { 'content-type': 'application/json', authorization: 'Bearer bench-gateway' }
    const verifyCeiling = await autocannon(`http://127.0.0.1:${ceilingPort}/`, {
      connections: 50,
      method: 'POST',
      headers: gateway,
      body: JSON.stringify({ key: key.secret }),
    })
    const warm = await autocannon(`${base}/v1/keys/verify`, {
      connections: 50,
      method: 'POST',
      headers: gateway,
      body: JSON.stringify({ key: key.secret }),
    })
    rows.push({
      scenario: 'POST /v1/keys/verify, warm',
      result: warm,
      ceiling: verifyCeiling,
      rssMiB: rssMiB(server.pid),
      note: 'answered from the in-process cache, no database',
    })
    // Gateways (issue 15): the bodiless check real gateways make, verify with a plan, and nginx.
    if (!process.env.BENCH_ONLY || process.env.BENCH_ONLY === 'gateways') {
      for (const row of await gatewayScenarios({
        json,
        token,
        organizationId: organization.id,
        applicationId: shop.id,
        key,
        portico: port,
        ceilingPort,
        ceiling: bench.ceiling,
      })) {
        rows.push({ ...row, rssMiB: rssMiB(server.pid) })
      }
    }
    const cold = await autocannon(`${base}/v1/keys/verify`, {
      connections: 50,
      method: 'POST',
      headers: gateway,
      body: JSON.stringify({ key: newApiKey('production') }),
    })
    rows.push({
      scenario: 'POST /v1/keys/verify, cold',
      result: cold,
      ceiling: verifyCeiling,
      rssMiB: rssMiB(server.pid),
      note: 'a cache miss: one indexed lookup by key hash',
    })

    // Everyday reads of a signed-in member.
    const me = await autocannon(`${base}/v1/me`, { connections: 50, headers: authorization })
    rows.push({
      scenario: 'GET /v1/me',
      result: me,
      rssMiB: rssMiB(server.pid),
      note: 'session from the cache + one query for the memberships',
    })
    // A member list of 1,000: the first page and a deep one (keyset cursor).
    const invitee = '{"email":"m-[<id>]@bench.test","roles":["member"]}'
    if (process.env.DATABASE_URL) {
      // Members are added with SQL (as the seed does), so this part needs DATABASE_URL: with PGlite the
      // server holds the only connection.
      await seedMembers(organization.id, 1000)
      const firstPage = await autocannon(`${base}/v1/organizations/${organization.id}/members?limit=20`, {
        connections: 50,
        headers: authorization,
      })
      rows.push({
        scenario: 'GET …/members, first page',
        result: firstPage,
        rssMiB: rssMiB(server.pid),
        note: '1,000 members',
      })
      let cursor = ''
      for (let i = 0; i < 25; i++) {
        const { body } = await json(
          `/v1/organizations/${organization.id}/members?limit=20${cursor ? `&cursor=${cursor}` : ''}`,
          { token },
        )
        cursor = body.nextCursor
      }
      const deepPage = await autocannon(
        `${base}/v1/organizations/${organization.id}/members?limit=20&cursor=${cursor}`,
        {
          connections: 50,
          headers: authorization,
        },
      )
      rows.push({
        scenario: 'GET …/members, deep page',
        result: deepPage,
        rssMiB: rssMiB(server.pid),
        note: 'page 26 of 1,000 members, by cursor',
      })
    }
    const check = await autocannon(`${base}/v1/organizations/${organization.id}/permissions/check`, {
      connections: 50,
      method: 'POST',
      headers: { ...authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ permissions: ['member:invite', 'api:publish', 'credential:create'] }),
    })
    rows.push({
      scenario: 'POST …/permissions/check',
      result: check,
      rssMiB: rssMiB(server.pid),
      note: 'three permissions of the caller',
    })
    const invite = await autocannon(`${base}/v1/organizations/${organization.id}/invitations`, {
      connections: 10,
      method: 'POST',
      headers: { ...authorization, 'content-type': 'application/json' },
      body: invitee,
      idReplacement: true,
      // A fixed number, below the 500 pending invitations an organization may hold.
      amount: 450,
    })
    rows.push({
      scenario: 'POST …/invitations (create)',
      result: invite,
      rssMiB: rssMiB(server.pid),
      note: '450 requests (below the 500 pending cap), a unique email each; invitation + audit + outbox mail in one transaction',
    })

    if (process.env.DATABASE_URL) {
      const invitees = await seedInvitees(process.env.DATABASE_URL ?? '', 200)
      // An organization of its own: the create scenario left 450 invitations pending in the first.
      const { body: joined } = await json('/v1/organizations', {
        method: 'POST',
        token,
        body: { name: 'Bench joiners' },
      })
      for (const invitee of invitees) {
        const { body } = await json(`/v1/organizations/${joined.id}/invitations`, {
          method: 'POST',
          token,
          body: { email: invitee.email, roles: ['developer'] },
        })
        invitee.invitationId = body.id
      }
      const accept = await timed(invitees, 20, (invitee) =>
        fetch(`${base}/v1/me/invitations/${invitee.invitationId}/accept`, {
          method: 'POST',
          headers: { authorization: `Bearer ${invitee.token}` },
        }),
      )
      rows.push({
        scenario: 'POST …/invitations/{id}/accept',
        result: accept,
        rssMiB: rssMiB(server.pid),
        note: '200 invitees, 20 at a time: membership + invitation + email + audit in one transaction',
      })
    }

    const create = await autocannon(`${base}/v1/organizations`, {
      connections: 10,
      method: 'POST',
      headers: { ...authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Bench created [<id>]' }),
      idReplacement: true,
      amount: 500,
    })
    rows.push({
      scenario: 'POST /v1/organizations (create)',
      result: create,
      rssMiB: rssMiB(server.pid),
      note: '500 requests, one creator (no creation limit): organization + owner + environments, active organization, audit',
    })

    const switchTo = (organizationId: string) =>
      fetch(`${base}/v1/me/active-organization`, {
        method: 'PUT',
        headers: { ...authorization, 'content-type': 'application/json' },
        body: JSON.stringify({ organizationId }),
      })
    await (await switchTo(organization.id)).arrayBuffer()
    const setActive = await autocannon(`${base}/v1/me/active-organization`, {
      connections: 50,
      method: 'PUT',
      headers: { ...authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ organizationId: organization.id }),
    })
    rows.push({
      scenario: 'PUT /v1/me/active-organization (already active)',
      result: setActive,
      rssMiB: rssMiB(server.pid),
      note: 'the organization is already active and remembered: nothing to write, answered from memory',
    })
    const { body: other } = await json('/v1/organizations', {
      method: 'POST',
      token,
      body: { name: 'Bench switch' },
    })
    const switching = await timed(
      Array.from({ length: 1000 }, (_, i) => (i % 2 === 0 ? organization.id : other.id)),
      1,
      switchTo,
    )
    rows.push({
      scenario: 'PUT /v1/me/active-organization (switching)',
      result: switching,
      rssMiB: rssMiB(server.pid),
      note: '1,000 switches between two organizations, one at a time: session and user written each time',
    })

    const signIn = await autocannon(`${base}/v1/auth/sign-in`, {
      connections: 8,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    })
    rows.push({
      scenario: 'POST /v1/auth/sign-in',
      result: signIn,
      rssMiB: rssMiB(server.pid),
      note: 'bounded by argon2id (19 MiB, t=2), one hash per request on the libuv pool',
    })
  } finally {
    await bench.close()
  }

  const permissions = benchmarkPermissionChecks()
  const database = process.env.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : 'PGlite (embedded)'
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`
  const table = [
    '| scenario | requests/s | p50 ms | p99 ms | errors | ceiling requests/s | ratio | server RSS MiB | note |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---|',
    ...rows
      .map(({ scenario, result, ceiling, rssMiB: rss, note }) =>
        [
          scenario,
          result.requests.average.toFixed(0),
          result.latency.p50,
          result.latency.p99,
          result.errors + result.non2xx,
          ceiling ? ceiling.requests.average.toFixed(0) : '–',
          ceiling ? (result.requests.average / ceiling.requests.average).toFixed(2) : '–',
          rss.toFixed(0),
          note,
        ].join(' | '),
      )
      .map((line) => `| ${line} |`),
  ].join('\n')
  const kind = process.env.DATABASE_URL ? 'postgres' : 'pglite'
  const section = [
    `<!-- bench:${kind} -->`,
    `## On ${database}`,
    '',
    `Measured by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: ${machine}; database: ${database}.`,
    `Each HTTP scenario runs ${seconds} s with load from a separate autocannon process on loopback (50 connections unless noted; sign-in 8);`,
    'the ceiling is a bare `node:http` server returning the same JSON, measured in the same run. Portico runs with `LOG_LEVEL=warn` and `RATE_LIMIT=off`.',
    '',
    `- Start-up to a ready \`/readyz\` (existing data): **${startupMs.toFixed(0)} ms**`,
    `- \`permissionsOf(roles)\` + one check, in-process: **${(permissions.checksPerSecond / 1e6).toFixed(1)} million/s**`,
    '',
    table,
    `<!-- /bench:${kind} -->`,
  ].join('\n')
  console.log(section)
  // Each database has its own section; the rest of the file (the analysis) is kept as it is.
  mkdirSync(join(root, 'docs'), { recursive: true })
  const path = join(root, 'docs/performance.md')
  const current = existsSync(path) ? readFileSync(path, 'utf8') : '# Performance\n'
  const marked = new RegExp(`<!-- bench:${kind} -->[\\s\\S]*?<!-- /bench:${kind} -->`)
  writeFileSync(
    path,
    marked.test(current) ? current.replace(marked, section) : `${current.trimEnd()}\n\n${section}\n`,
  )
}

await main()
