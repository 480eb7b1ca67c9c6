// `node bench/write-cost.ts [writes]`: the cost of writes as a whole, through the HTTP layer (inject,
// no sockets), on PostgreSQL (TEST_DATABASE_URL's server, a fresh database) — to compare the same
// writes across commits (e.g. before and after a change to how writes record their events). Each
// scenario runs `writes` sequential writes after a warm-up; prints the median and p90 per write.
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { readConfig } from '../src/config.ts'
import { createLogger } from '../src/http/logging.ts'
import { startPortico } from '../src/portico.ts'
import { openPostgres } from '../src/store/database.ts'

const writes = Number(process.argv[2] ?? 300)
const serverUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const name = `portico_bench_${randomBytes(4).toString('hex')}`
const admin = new pg.Client({ connectionString: serverUrl })
await admin.connect()
await admin.query(`create database ${name}`)
const url = new URL(serverUrl)
url.pathname = `/${name}`

const config = readConfig({ DATABASE_URL: url.toString(), RATE_LIMIT: 'off', ORG_CREATION_LIMIT: '0' })
const database = await openPostgres(url.toString())
const portico = await startPortico(config, { database, logger: createLogger({ level: 'warn' }) })
const inject = async (
  method: 'POST' | 'PATCH' | 'PUT',
  path: string,
  token: string | undefined,
  body: unknown,
) => {
  const answer = await portico.app.inject({
    method,
    url: path,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    payload: JSON.stringify(body),
  })
  if (answer.statusCode >= 300) throw new Error(`${method} ${path}: ${answer.statusCode} ${answer.body}`)
  return answer.json()
}

try {
  const owner = await inject('POST', '/v1/auth/sign-up', undefined, {
    email: `bench-${name}@bench.test`,
    name: 'Bench Owner',
    password: 'correct horse battery',
  })
  const token: string = owner.token
  const org = await inject('POST', '/v1/organizations', token, { name: 'Bench Org' })
  const environment = await inject('POST', `/v1/organizations/${org.id}/environments`, token, {
    name: 'bench',
  })
  const application = await inject('POST', `/v1/organizations/${org.id}/applications`, token, {
    name: 'Bench app',
  })
  const scenarios: [string, (i: number) => Promise<unknown>][] = [
    [
      'PATCH environment (rename)',
      (i) =>
        inject('PATCH', `/v1/organizations/${org.id}/environments/${environment.id}`, token, {
          name: `bench-${i}`,
        }),
    ],
    [
      'PATCH organization (rename)',
      (i) => inject('PATCH', `/v1/organizations/${org.id}`, token, { name: `Bench Org ${i}` }),
    ],
    [
      'POST API key',
      () =>
        inject('POST', `/v1/organizations/${org.id}/applications/${application.id}/keys`, token, {
          environment: 'production',
        }),
    ],
  ]
  let counter = 0
  for (const [label, write] of scenarios) {
    for (let i = 0; i < 50; i++) await write(counter++)
    const times: number[] = []
    for (let i = 0; i < writes; i++) {
      const started = performance.now()
      await write(counter++)
      times.push(performance.now() - started)
    }
    times.sort((a, b) => a - b)
    const at = (q: number) => (times[Math.floor(q * (times.length - 1))] ?? 0).toFixed(2)
    console.log(`${label}: median ${at(0.5)} ms, p90 ${at(0.9)} ms over ${writes} writes`)
  }
} finally {
  await portico.close()
  await admin.query(`drop database if exists ${name} with (force)`)
  await admin.end()
}
