// `DATABASE_URL=… node bench/scale.ts <label>`: on a database filled by `npm run seed`, measures the
// paths that must not slow down as tenants grow (a big organization's member list: first page, a
// deep page, a search; the organizations of a user in 1,000 of them; GET /v1/me; its audit log:
// first page, a deep page), and writes the figures to its own section of docs/performance.md. Run it on a full-size and on a 1,000 times
// smaller database to compare.
import { spawn } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sql } from 'kysely'
import { hashToken, newToken } from '../src/domain/tokens.ts'
import { openPostgres } from '../src/store/database.ts'
import { BIG_ORGANIZATION_ID, seedUserId } from '../src/store/seed.ts'
import { insertSession } from '../src/store/sessions.repository.ts'
import { autocannon, rssMiB, serverArguments, stop, waitFor } from './harness.ts'

const root = fileURLToPath(new URL('..', import.meta.url))
const label = process.argv[2] ?? 'scale'
const databaseUrl = process.env.DATABASE_URL
if (!databaseUrl) throw new Error('set DATABASE_URL to a database filled by npm run seed')
const port = Number(process.env.BENCH_PORT ?? 3910)
const base = `http://127.0.0.1:${port}`

const database = await openPostgres(databaseUrl)
const token = newToken()
const typicalToken = newToken()
const now = new Date()
const expiresAt = new Date(now.getTime() + 3600_000)
await insertSession(database.db, { tokenHash: hashToken(token), userId: seedUserId(1), now, expiresAt })
// A typical user (user 2: a few organizations at either scale), for a like-for-like GET /v1/me.
await insertSession(database.db, {
  tokenHash: hashToken(typicalToken),
  userId: seedUserId(2),
  now,
  expiresAt,
})
// A search term as selective as a real name: part of one member's (varied) name.
const named = await sql<{ name: string }>`select name from users where id = ${seedUserId(742)}::uuid`.execute(
  database.db,
)
const searchTerm = (named.rows[0]?.name ?? 'seed').split(' ')[1]?.slice(0, 6) ?? 'seed'
const counts = await sql<{ users: string; organizations: string; memberships: string; big: string }>`
  select (select count(*) from users) as users, (select count(*) from organizations) as organizations,
    (select count(*) from memberships) as memberships,
    (select count(*) from memberships where organization_id = ${BIG_ORGANIZATION_ID}::uuid) as big`.execute(
  database.db,
)
const size = counts.rows[0]
const events = await sql<{ seq: string }>`
  select seq from audit_chain_heads where organization_id = ${BIG_ORGANIZATION_ID}::uuid`.execute(database.db)
const eventCount = Number(events.rows[0]?.seq ?? 0)
// A cursor in the middle of the big organization's member list.
const middle = await sql<{ joined_at: Date; user_id: string }>`
  select joined_at, user_id from memberships where organization_id = ${BIG_ORGANIZATION_ID}::uuid
  order by joined_at, user_id offset ${Math.floor(Number(size?.big ?? 0) / 2)} limit 1`.execute(database.db)
await database.close()
const deep = middle.rows[0]
const cursor = deep
  ? Buffer.from(JSON.stringify([deep.joined_at.toISOString(), deep.user_id])).toString('base64url')
  : ''

const server = spawn(process.execPath, serverArguments, {
  cwd: root,
  env: { ...process.env, PORT: String(port), LOG_LEVEL: 'warn', RATE_LIMIT: 'off' },
  stdio: 'inherit',
})
await waitFor(`${base}/readyz`, server)
const headers = { authorization: `Bearer ${token}` }
const members = `${base}/v1/organizations/${BIG_ORGANIZATION_ID}/members`
const auditEvents = `${base}/v1/organizations/${BIG_ORGANIZATION_ID}/audit-events`
const middleSeq = Buffer.from(JSON.stringify([String(Math.max(1, Math.floor(eventCount / 2)))])).toString(
  'base64url',
)
const allScenarios: [string, string][] = [
  ['members, first page', `${members}?limit=20`],
  ['members, deep page (cursor at the middle)', `${members}?limit=20&cursor=${cursor}`],
  [
    'members, search by name or email (a realistic term)',
    `${members}?limit=20&q=${encodeURIComponent(searchTerm)}`,
  ],
  ['members, search by a term all seeded emails share (worst case)', `${members}?limit=20&q=seed-user-4242`],
  ['organizations of a user in 1,000', `${base}/v1/organizations?limit=20`],
  ['GET /v1/me (user in 1,000 organizations)', `${base}/v1/me`],
  ['GET /v1/me (a typical user, a few organizations)', `${base}/v1/me`],
  ['audit events, first page', `${auditEvents}?limit=20`],
  ['audit events, deep page (cursor at the middle)', `${auditEvents}?limit=20&cursor=${middleSeq}`],
]
// BENCH_ONLY=audit measures only the paths whose name contains it.
const scenarios = allScenarios.filter(([name]) => name.includes(process.env.BENCH_ONLY ?? ''))
const rows: string[] = []
try {
  for (const [name, url] of scenarios) {
    const as = name.includes('typical') ? { authorization: `Bearer ${typicalToken}` } : headers
    // Warm-up, not measured: the first path would otherwise carry the JIT's warm-up, and every
    // path the first reads of its index pages.
    await autocannon(url, { connections: 10, headers: as, amount: 500 })
    const result = await autocannon(url, { connections: 10, headers: as })
    rows.push(
      `| ${name} | ${result.requests.average.toFixed(0)} | ${result.latency.p50} | ${result.latency.p99} | ${result.errors + result.non2xx} |`,
    )
  }
} finally {
  const rss = rssMiB(server.pid)
  await stop(server)
  rows.push(`| (server RSS after the run: ${rss.toFixed(0)} MiB) | | | | |`)
}

const section = [
  `<!-- bench:scale-${label} -->`,
  `### Scale: ${label} — ${Number(size?.users).toLocaleString('en')} users, ${Number(size?.organizations).toLocaleString('en')} organizations, ${Number(size?.memberships).toLocaleString('en')} memberships, a ${Number(size?.big).toLocaleString('en')}-member organization with ${eventCount.toLocaleString('en')} audit events`,
  '',
  `\`bench/scale.ts\` on ${new Date().toISOString().slice(0, 10)}, PostgreSQL, 10 connections, ${process.env.BENCH_SECONDS ?? 10} s per path after a 500-request warm-up.`,
  '',
  '| path | requests/s | p50 ms | p99 ms | errors |',
  '|---|---:|---:|---:|---:|',
  ...rows,
  `<!-- /bench:scale-${label} -->`,
].join('\n')
console.log(section)
const path = join(root, 'docs/performance.md')
const current = existsSync(path) ? readFileSync(path, 'utf8') : '# Performance\n'
const marked = new RegExp(`<!-- bench:scale-${label} -->[\\s\\S]*?<!-- /bench:scale-${label} -->`)
writeFileSync(
  path,
  marked.test(current) ? current.replace(marked, section) : `${current.trimEnd()}\n\n${section}\n`,
)
