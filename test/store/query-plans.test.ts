// Every query the services issue for the paths that must stay fast as tenants grow (authorization,
// GET /v1/me, the organization list of a user in 1,000 organizations, a big organization's member
// list: first page, a deep page, a search) is captured as it runs, then EXPLAINed on PostgreSQL
// with sequential scans disabled: a table still read whole (a Seq Scan, or an index walked with no
// condition) means no index can serve the query.
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readConfig } from '../../src/config.ts'
import { hashToken, newToken } from '../../src/domain/tokens.ts'
import { createLogger } from '../../src/http/logging.ts'
import { type Portico, startPortico } from '../../src/portico.ts'
import { openPostgres } from '../../src/store/database.ts'
import { migrateToLatest } from '../../src/store/migrate.ts'
import { BIG_ORGANIZATION_ID, seed, seedUserId } from '../../src/store/seed.ts'
import { insertSession } from '../../src/store/sessions.repository.ts'
import { databases, openTestDatabase, type TestDatabase } from '../helpers/databases.ts'
import { call } from '../helpers/http.ts'

// Tables whose size grows with tenants and users.
const growing = [
  'users',
  'sessions',
  'organizations',
  'memberships',
  'invitations',
  'audit_events',
  'apis',
  'applications',
  'subscriptions',
  'api_keys',
  'environments',
  'organization_logos',
]

interface PlanNode {
  'Node Type': string
  'Relation Name'?: string
  'Index Cond'?: string
  Plans?: PlanNode[]
}

/** Tables read whole: a Seq Scan, or an index walked end to end (an index scan with no condition). */
function fullScans(node: PlanNode): string[] {
  const table = node['Relation Name']
  const whole =
    table !== undefined &&
    (node['Node Type'] === 'Seq Scan' ||
      ((node['Node Type'] === 'Index Scan' || node['Node Type'] === 'Index Only Scan') &&
        !node['Index Cond']))
  return [...(whole ? [`${node['Node Type']} on ${table}`] : []), ...(node.Plans ?? []).flatMap(fullScans)]
}

describe.runIf(databases.includes('postgres'))('query plans on PostgreSQL', () => {
  let database: TestDatabase
  let portico: Portico
  let token: string
  const captured: { sql: string; parameters: readonly unknown[] }[] = []

  beforeAll(async () => {
    database = await openTestDatabase('postgres')
    await migrateToLatest(database.db)
    // Big enough that PostgreSQL plans as it would at scale: at 3,000 users it rightly filters
    // every user instead of reading the search's trigram index, which is cheaper there.
    await seed(
      database.db,
      { users: 10_000, orgs: 1200, membersPerOrg: 5, bigOrg: 10_000 },
      'not-a-real-hash',
      () => {},
    )
    token = newToken()
    const now = new Date()
    await insertSession(database.db, {
      tokenHash: hashToken(token),
      userId: seedUserId(1),
      now,
      expiresAt: new Date(now.getTime() + 3600_000),
    })
    const observed = await openPostgres(database.url ?? '', {
      onQuery: (sql, parameters) => captured.push({ sql, parameters }),
    })
    portico = await startPortico(readConfig({}), {
      database: observed,
      logger: createLogger({ level: 'silent' }),
    })
  })
  afterAll(async () => {
    await portico?.close()
    await database?.close()
  })

  async function plansOf(run: () => Promise<void>): Promise<{ sql: string; scans: string[] }[]> {
    captured.length = 0
    await run()
    const queries = captured.filter((query) => /^\s*select/i.test(query.sql))
    expect(queries.length).toBeGreaterThan(0)
    const client = new pg.Client({ connectionString: database.url })
    await client.connect()
    try {
      await client.query('set enable_seqscan = off')
      const plans = []
      for (const query of queries) {
        const result = await client.query(`explain (format json) ${query.sql}`, [...query.parameters])
        const plan = (result.rows[0]['QUERY PLAN'] as { Plan: PlanNode }[])[0]?.Plan
        plans.push({
          sql: query.sql,
          scans: plan ? fullScans(plan).filter((scan) => growing.includes(scan.split(' on ')[1] ?? '')) : [],
        })
      }
      return plans
    } finally {
      await client.end()
    }
  }

  const get = async (url: string) => {
    const answer = await call(portico.app, 'GET', url, { token })
    expect(answer.status).toBe(200)
    return answer.body
  }

  it.each([
    ['GET /v1/me (a user in 1,000 organizations)', () => get('/v1/me')],
    ['GET /v1/organizations', () => get('/v1/organizations?limit=100')],
    ['GET /v1/organizations/{org} (authorization)', () => get(`/v1/organizations/${BIG_ORGANIZATION_ID}`)],
    [
      'the first page of a big member list',
      () => get(`/v1/organizations/${BIG_ORGANIZATION_ID}/members?limit=100`),
    ],
    ['a member search', () => get(`/v1/organizations/${BIG_ORGANIZATION_ID}/members?q=seed-user-12`)],
  ])('%s uses indexes only', async (_, run) => {
    for (const plan of await plansOf(async () => void (await run()))) {
      expect(plan.scans, plan.sql).toEqual([])
    }
  })

  it('a deep page of a big member list uses indexes only', async () => {
    let cursor: string | null = null
    for (let i = 0; i < 5; i++) {
      const page: { nextCursor: string | null } = await get(
        `/v1/organizations/${BIG_ORGANIZATION_ID}/members?limit=100${cursor ? `&cursor=${cursor}` : ''}`,
      )
      cursor = page.nextCursor
    }
    expect(cursor).not.toBeNull()
    for (const plan of await plansOf(
      async () =>
        void (await get(`/v1/organizations/${BIG_ORGANIZATION_ID}/members?limit=100&cursor=${cursor}`)),
    )) {
      expect(plan.scans, plan.sql).toEqual([])
    }
  })
})
