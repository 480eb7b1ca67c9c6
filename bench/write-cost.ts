// `node bench/write-cost.ts [writes]`: the cost of writes as a whole, through the HTTP layer (inject,
// no sockets), on PostgreSQL (TEST_DATABASE_URL's server, a fresh database) — to compare the same
// writes across commits (e.g. before and after a change to how writes record their events). Each
// scenario runs `writes` sequential writes after a warm-up; prints the median and p90 per write,
// and the CPU each write cost the server (this process) and PostgreSQL (the backends serving this
// database, from /proc): CPU time, unlike latency, hardly moves when other work shares the machine.
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import pg from 'pg'
import { readConfig } from '../src/config.ts'
import { createLogger } from '../src/http/logging.ts'
import { startPortico } from '../src/portico.ts'
import { openPostgres } from '../src/store/database.ts'
import { seedInvitees } from './invitees.ts'

const writes = Number(process.argv[2] ?? 300)
const serverUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const name = `portico_bench_${randomBytes(4).toString('hex')}`
const admin = new pg.Client({ connectionString: serverUrl })
await admin.connect()
await admin.query(`create database ${name}`)
const url = new URL(serverUrl)
url.pathname = `/${name}`

const config = readConfig({
  DATABASE_URL: url.toString(),
  RATE_LIMIT: 'off',
  ORG_CREATION_LIMIT: '0',
  PENDING_INVITATION_LIMIT: '100000000',
})
const database = await openPostgres(url.toString())
const portico = await startPortico(config, { database, logger: createLogger({ level: 'warn' }) })
/**
 * PostgreSQL's CPU on this database, from /proc: every backend serving it is sampled every 50 ms
 * (the pool opens and closes connections, and a backend's ticks go with it), and each one's use is
 * counted from its first sample, or from zero when it started after the meter did.
 */
class PostgresCpuMeter {
  readonly #first = new Map<number, number>()
  readonly #last = new Map<number, number>()
  #started = false
  #timer: NodeJS.Timeout | undefined
  // One sample at a time: the admin client runs one query at a time.
  #sampling: Promise<void> = Promise.resolve()

  async start(): Promise<void> {
    this.#first.clear()
    this.#last.clear()
    this.#started = false
    await this.#sample()
    this.#started = true
    this.#timer = setInterval(() => {
      this.#sampling = this.#sampling.then(() => this.#sample())
    }, 50)
  }

  /** CPU milliseconds used since start (utime + stime; USER_HZ is 100 on Linux). */
  async stop(): Promise<number> {
    clearInterval(this.#timer)
    await this.#sampling
    await this.#sample()
    let ticks = 0
    for (const [pid, last] of this.#last) ticks += last - (this.#first.get(pid) ?? 0)
    return ticks * 10
  }

  async #sample(): Promise<void> {
    const { rows } = await admin.query<{ pid: number }>(
      'select pid from pg_stat_activity where datname = $1',
      [name],
    )
    for (const { pid } of rows) {
      try {
        const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
        const ticks = Number(fields[11]) + Number(fields[12])
        if (!this.#first.has(pid)) this.#first.set(pid, this.#started ? 0 : ticks)
        this.#last.set(pid, ticks)
      } catch {
        // A backend that ended between the query and the read.
      }
    }
  }
}
const postgresCpu = new PostgresCpuMeter()
const serverCpuMs = () => {
  const { user, system } = process.cpuUsage()
  return (user + system) / 1000
}

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
  const secondOrg = await inject('POST', '/v1/organizations', token, { name: 'Second Bench Org' })
  let accepted = 0
  const application = await inject('POST', `/v1/organizations/${org.id}/applications`, token, {
    name: 'Bench app',
  })
  // Invitees for the acceptance scenario: verified users with sessions, made with SQL, and one
  // invitation each (made by the invitation scenario below, in the same order).
  const invitees = await seedInvitees(url.toString(), writes + 50)
  const invitationIds: string[] = []
  const scenarios: [string, (i: number) => Promise<unknown>][] = [
    ['POST organization', (i) => inject('POST', '/v1/organizations', token, { name: `Bench Org ${i}` })],
    [
      'POST invitation',
      async (i) => {
        const invitee = invitees[invitationIds.length]
        const email = invitee ? invitee.email : `extra-${i}@bench.test`
        const invitation = await inject('POST', `/v1/organizations/${org.id}/invitations`, token, {
          email,
          roles: ['member'],
        })
        if (invitee) invitationIds.push(invitation.id)
      },
    ],
    [
      'POST accept invitation',
      async () => {
        const index = accepted++
        const invitee = invitees[index]
        if (!invitee) throw new Error('more acceptances than invitees')
        await inject('POST', `/v1/me/invitations/${invitationIds[index]}/accept`, invitee.token, {})
      },
    ],
    [
      'PUT active organization (another one)',
      (i) =>
        inject('PUT', '/v1/me/active-organization', token, {
          organizationId: i % 2 === 0 ? org.id : secondOrg.id,
        }),
    ],
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
  // WRITE_COST_ONLY=<regex> runs only the scenarios whose label matches (their setup still runs;
  // acceptance accepts what the invitation scenario made, so ask for both: 'invitation|accept').
  const only = process.env.WRITE_COST_ONLY ? new RegExp(process.env.WRITE_COST_ONLY) : undefined
  for (const [label, write] of scenarios) {
    if (only && !only.test(label)) continue
    for (let i = 0; i < 50; i++) await write(counter++)
    const times: number[] = []
    const server = serverCpuMs()
    await postgresCpu.start()
    for (let i = 0; i < writes; i++) {
      const started = performance.now()
      await write(counter++)
      times.push(performance.now() - started)
    }
    const serverPerWrite = (serverCpuMs() - server) / writes
    const postgresPerWrite = (await postgresCpu.stop()) / writes
    times.sort((a, b) => a - b)
    const at = (q: number) => (times[Math.floor(q * (times.length - 1))] ?? 0).toFixed(2)
    console.log(
      `${label}: median ${at(0.5)} ms, p90 ${at(0.9)} ms; CPU per write: server ${serverPerWrite.toFixed(2)} ms, PostgreSQL ${postgresPerWrite.toFixed(2)} ms (${writes} writes)`,
    )
  }
} finally {
  await portico.close()
  await admin.query(`drop database if exists ${name} with (force)`)
  await admin.end()
}
