// The audit log API: the list (newest first, filters, cursor paging), the streamed export (NDJSON
// and CSV, oldest first), the chain verification, who may read it, and the retention of a deleted
// organization's events.
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import canonicalize from 'canonicalize'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chainQueuedEvents } from '../../src/services/events/audit-chain.ts'
import { recordEvent } from '../../src/services/events/events.service.ts'
import { closeChange } from '../../src/services/transaction.ts'
import { databases } from '../helpers/databases.ts'
import { type Answer, call, signUp } from '../helpers/http.ts'
import { addMember, createOrganization, type Person } from '../helpers/organizations.ts'
import { must } from '../helpers/portal.ts'
import { startTestPortico, type TestPortico } from '../helpers/test-portico.ts'

const HOUR = 3600_000

interface Served {
  seq: number
  hash: string
  type: string
  [field: string]: unknown
}

/** API.md's hash rule, written independently of Portico's code. */
function expectValidChain(oldestFirst: Served[]) {
  let previous = '0'.repeat(64)
  for (const event of oldestFirst) {
    const { hash, ...unhashed } = event
    expect(hash).toBe(
      createHash('sha256')
        .update(previous + canonicalize(unhashed), 'utf8')
        .digest('hex'),
    )
    previous = hash
  }
}

describe.each(databases)('the audit log on %s', (databaseName) => {
  let portico: TestPortico
  beforeAll(async () => {
    portico = await startTestPortico(databaseName, { env: { ORG_CREATION_LIMIT: '0', RATE_LIMIT: 'off' } })
  })
  afterAll(async () => {
    await portico?.close()
  })
  const app = () => portico.app
  const db = () => portico.database.db
  const list = (org: string, token: string, query = '') =>
    call(app(), 'GET', `/v1/organizations/${org}/audit-events${query}`, { token })

  /** An organization with an owner, a member (Bob) whose roles change, and an environment renamed. */
  async function busyOrganization(name = 'Audited') {
    const owner = (await signUp(app(), { name: 'Alice Martin' })) as Person
    const org = await createOrganization(app(), owner, name)
    const bob = await addMember(portico, org.id, ['member'], 'Bob Stone')
    portico.clock.advance(HOUR)
    await must(
      call(app(), 'PATCH', `/v1/organizations/${org.id}/members/${bob.user.id}`, {
        token: owner.token,
        body: { roles: ['admin'] },
      }),
      200,
    )
    portico.clock.advance(HOUR)
    const environment = await must(
      call(app(), 'POST', `/v1/organizations/${org.id}/environments`, {
        token: owner.token,
        body: { name: 'staging' },
      }),
      201,
    )
    portico.clock.advance(HOUR)
    await must(
      call(app(), 'PATCH', `/v1/organizations/${org.id}/environments/${environment.id}`, {
        token: bob.token,
        body: { name: 'preprod' },
      }),
      200,
    )
    return { owner, org, bob, environment }
  }

  describe('happy paths', () => {
    it('lists every event newest first, as API.md shapes it, each hash recomputable', async () => {
      const { owner, org, bob, environment } = await busyOrganization()
      const answer = await list(org.id, owner.token)
      expect(answer.status).toBe(200)
      expect(answer.body.nextCursor).toBeNull()
      const items: Served[] = answer.body.items
      expect(items.map((event) => [event.seq, event.type])).toEqual([
        [5, 'environment.updated'],
        [4, 'environment.created'],
        [3, 'member.updated'],
        [2, 'member.added'],
        [1, 'organization.created'],
      ])
      expect(items[0]).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        organizationId: org.id,
        seq: 5,
        type: 'environment.updated',
        occurredAt: portico.clock.now().toISOString(),
        actor: { type: 'user', id: bob.user.id, name: 'Bob Stone' },
        target: { type: 'environment', id: environment.id },
        data: { before: { name: 'staging' }, after: { name: 'preprod' } },
        requestId: expect.any(String),
        hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      })
      expect(items[2]).toMatchObject({
        actor: { type: 'user', id: owner.user.id, name: 'Alice Martin' },
        target: { type: 'member', id: bob.user.id },
        data: {
          userId: bob.user.id,
          name: 'Bob Stone',
          email: bob.email,
          before: { roles: ['member'] },
          after: { roles: ['admin'] },
        },
      })
      expectValidChain([...items].reverse())
    })

    it('filters by type or prefix, actor, target and time, and pages with a cursor', async () => {
      const { owner, org, bob, environment } = await busyOrganization('Filtered')
      const seqs = async (query: string) => {
        const answer = await list(org.id, owner.token, query)
        expect(answer.status).toBe(200)
        return (answer.body.items as Served[]).map((event) => event.seq)
      }
      expect(await seqs('?type=member.*')).toEqual([3, 2])
      expect(await seqs('?type=member.')).toEqual([3, 2])
      expect(await seqs('?type=environment.created')).toEqual([4])
      expect(await seqs(`?actorId=${bob.user.id}`)).toEqual([5])
      expect(await seqs(`?actorId=${owner.user.id}&type=environment.*`)).toEqual([4])
      expect(await seqs(`?targetId=${environment.id}`)).toEqual([5, 4])
      expect(await seqs(`?targetId=${bob.user.id}`)).toEqual([3])
      // Event 3 happened one hour in, event 4 two hours in, event 5 three hours in.
      const start = new Date(portico.clock.now().getTime() - 3 * HOUR)
      const at = (hours: number) => encodeURIComponent(new Date(start.getTime() + hours * HOUR).toISOString())
      expect(await seqs(`?since=${at(1)}&until=${at(3)}`)).toEqual([4, 3])
      expect(await seqs(`?since=${at(2)}`)).toEqual([5, 4])
      expect(await seqs(`?until=${at(1)}`)).toEqual([2, 1])

      const seen: number[] = []
      let cursor: string | null = null
      do {
        const answer: Answer = await list(org.id, owner.token, `?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
        expect(answer.status).toBe(200)
        expect(answer.body.items.length).toBeLessThanOrEqual(2)
        seen.push(...answer.body.items.map((event: Served) => event.seq))
        cursor = answer.body.nextCursor
      } while (cursor)
      expect(seen).toEqual([5, 4, 3, 2, 1])
      const filteredPage = await list(org.id, owner.token, '?type=member.*&limit=1')
      const next = await list(
        org.id,
        owner.token,
        `?type=member.*&limit=1&cursor=${filteredPage.body.nextCursor}`,
      )
      expect([...filteredPage.body.items, ...next.body.items].map((event: Served) => event.seq)).toEqual([
        3, 2,
      ])
      expect(next.body.nextCursor).toBeNull()
    })

    it('exports NDJSON oldest first, the same events the list serves, and CSV per RFC 4180', async () => {
      const owner = (await signUp(app(), { name: 'Eve "The Auditor", Jr.' })) as Person
      const org = await createOrganization(app(), owner, 'Exported')
      await must(
        call(app(), 'POST', `/v1/organizations/${org.id}/environments`, {
          token: owner.token,
          body: { name: 'qa' },
        }),
        201,
      )
      const listed = (await list(org.id, owner.token)).body.items as Served[]

      const ndjson = await call(
        app(),
        'GET',
        `/v1/organizations/${org.id}/audit-events/export?format=ndjson`,
        {
          token: owner.token,
        },
      )
      expect(ndjson.status).toBe(200)
      expect(ndjson.headers['content-type']).toBe('application/x-ndjson')
      expect(ndjson.text.endsWith('\n')).toBe(true)
      const lines = ndjson.text.trimEnd().split('\n')
      expect(lines.map((line) => JSON.parse(line))).toEqual([...listed].reverse())
      const byDefault = await call(app(), 'GET', `/v1/organizations/${org.id}/audit-events/export`, {
        token: owner.token,
      })
      expect(byDefault.text).toBe(ndjson.text)

      const csv = await call(app(), 'GET', `/v1/organizations/${org.id}/audit-events/export?format=csv`, {
        token: owner.token,
      })
      expect(csv.status).toBe(200)
      expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8')
      const rows = csv.text.split('\r\n')
      expect(rows[0]).toBe(
        'seq,id,type,occurredAt,actorType,actorId,actorName,targetType,targetId,requestId,hash,data',
      )
      expect(rows).toHaveLength(1 + 3 + 1)
      expect(rows[4]).toBe('')
      const first = listed[2] as Served & { id: string; occurredAt: string; requestId: string }
      expect(first.data).toEqual({ handle: org.handle, name: 'Exported' })
      expect(rows[1]).toBe(
        [
          '1',
          first.id,
          'organization.created',
          first.occurredAt,
          'user',
          owner.user.id,
          '"Eve ""The Auditor"", Jr."',
          'organization',
          org.id,
          first.requestId,
          first.hash,
          `"${JSON.stringify(first.data).replaceAll('"', '""')}"`,
        ].join(','),
      )
    })

    it('exports only the range asked, since inclusive and until exclusive', async () => {
      const { owner, org } = await busyOrganization('Ranged')
      const start = new Date(portico.clock.now().getTime() - 3 * HOUR)
      const at = (hours: number) => encodeURIComponent(new Date(start.getTime() + hours * HOUR).toISOString())
      const answer = await call(
        app(),
        'GET',
        `/v1/organizations/${org.id}/audit-events/export?since=${at(1)}&until=${at(3)}`,
        { token: owner.token },
      )
      expect(answer.status).toBe(200)
      expect(
        answer.text
          .trimEnd()
          .split('\n')
          .map((line) => JSON.parse(line).seq),
      ).toEqual([3, 4])
    })

    it('verifies the chain: valid, with the count and the head’s hash', async () => {
      const { owner, org } = await busyOrganization('Verified')
      const newest = (await list(org.id, owner.token, '?limit=1')).body.items[0] as Served
      const answer = await call(app(), 'GET', `/v1/organizations/${org.id}/audit-events/verify`, {
        token: owner.token,
      })
      expect(answer.status).toBe(200)
      expect(answer.body).toEqual({ valid: true, count: 5, headHash: newest.hash })
    })

    it('streams and verifies across many batches (2,500 events)', async () => {
      const owner = (await signUp(app())) as Person
      const org = await createOrganization(app(), owner, 'Large')
      await db()
        .transaction()
        .execute(async (tx) => {
          const recording = {
            db: tx,
            now: portico.clock.now(),
            afterCommit: () => {},
            jobQueued: () => {},
            events: [],
            jobs: [],
          }
          for (let i = 0; i < 2498; i++) {
            await recordEvent(recording, 'system', {
              type: 'environment.created',
              organizationId: org.id,
              targetId: `environment-${i}`,
              data: { name: `env-${i}` },
            })
          }
          await closeChange(recording)
        })
      const exported = await call(app(), 'GET', `/v1/organizations/${org.id}/audit-events/export`, {
        token: owner.token,
      })
      const seqs = exported.text
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line).seq)
      expect(seqs).toEqual(Array.from({ length: 2500 }, (_, i) => i + 1))
      const verified = await call(app(), 'GET', `/v1/organizations/${org.id}/audit-events/verify`, {
        token: owner.token,
      })
      expect(verified.body).toMatchObject({ valid: true, count: 2500 })
      const newest = (await list(org.id, owner.token, '?limit=1')).body.items[0]
      expect(newest).toMatchObject({
        seq: 2500,
        actor: { type: 'system', id: null, name: 'Portico' },
        requestId: null,
      })
    })
  })

  describe('tampering', () => {
    const verify = async (org: string, token: string) =>
      (await call(app(), 'GET', `/v1/organizations/${org}/audit-events/verify`, { token })).body

    it.each([
      [
        'an edited event',
        3,
        `update audit_events set data = '{"forged":true}' where organization_id = $1 and seq = 3`,
      ],
      ['a deleted event', 3, 'delete from audit_events where organization_id = $1 and seq = 3'],
      ['the newest event deleted', 5, 'delete from audit_events where organization_id = $1 and seq = 5'],
      [
        'two events swapped',
        2,
        [
          'update audit_events set seq = -2 where organization_id = $1 and seq = 2',
          'update audit_events set seq = 2 where organization_id = $1 and seq = 3',
          'update audit_events set seq = 3 where organization_id = $1 and seq = -2',
        ],
      ],
      [
        'an event added after the head',
        6,
        `insert into audit_events select organization_id, 6, gen_random_uuid(), type, occurred_at, actor_type,
           actor_id, actor_name, target_type, target_id, data, request_id, hash
         from audit_events where organization_id = $1 and seq = 5`,
      ],
      [
        'an edited actor name',
        1,
        `update audit_events set actor_name = 'Mallory' where organization_id = $1 and seq = 1`,
      ],
    ])('finds %s (brokenAt %i)', async (_, brokenAt, statements) => {
      const { owner, org } = await busyOrganization()
      expect(await verify(org.id, owner.token)).toMatchObject({ valid: true })
      for (const statement of [statements].flat()) {
        await sql.raw(statement.replaceAll('$1', `'${org.id}'`)).execute(db())
      }
      expect(await verify(org.id, owner.token)).toEqual({ valid: false, brokenAt })
    })

    it('finds the newest event edited with its hash recomputed, by the head kept apart', async () => {
      const { owner, org } = await busyOrganization()
      const [newest, previous] = (await list(org.id, owner.token, '?limit=2')).body.items as Served[]
      if (!newest || !previous) throw new Error('no events')
      const { hash: _, ...unhashed } = { ...newest, data: { before: { name: 'x' }, after: { name: 'y' } } }
      const forgedHash = createHash('sha256')
        .update(previous.hash + canonicalize(unhashed), 'utf8')
        .digest('hex')
      await db()
        .updateTable('audit_events')
        .set({ data: JSON.stringify(unhashed.data), hash: forgedHash })
        .where('organization_id', '=', org.id)
        .where('seq', '=', newest.seq)
        .execute()
      expect(await verify(org.id, owner.token)).toEqual({ valid: false, brokenAt: newest.seq })
    })
  })

  describe('errors', () => {
    it.each([
      ['?type=member', '/type'],
      ['?type=nothing.*', '/type'],
      ['?cursor=garbage', '/cursor'],
      ['?since=yesterday', '/since'],
      // guards: a leap second passes the date-time format but names no instant (it answered 500)
      ['?until=2030-12-31T23:59:60Z', '/until'],
      ['?since=2031-02-30T00:00:00Z', '/since'],
      ['?actorId=not-a-uuid', '/actorId'],
      ['?limit=101', '/limit'],
    ])('refuses %s with 400 naming %s', async (query, path) => {
      const owner = (await signUp(app())) as Person
      const org = await createOrganization(app(), owner, 'Strict')
      const answer = await list(org.id, owner.token, query)
      expect(answer.status).toBe(400)
      expect(answer.body.code).toBe('validation_failed')
      expect(answer.body.errors.map((error: { path: string }) => error.path)).toContain(path)
    })

    it('refuses an export format it does not know with 400', async () => {
      const owner = (await signUp(app())) as Person
      const org = await createOrganization(app(), owner, 'Formats')
      const answer = await call(app(), 'GET', `/v1/organizations/${org.id}/audit-events/export?format=xml`, {
        token: owner.token,
      })
      expect(answer.status).toBe(400)
    })
  })

  describe('security', () => {
    it.each(['', '/export', '/verify'])(
      'answers 403 naming audit:read to a member without it, 404 to a non-member (%s)',
      async (path) => {
        const owner = (await signUp(app())) as Person
        const org = await createOrganization(app(), owner, 'Private Log')
        const member = await addMember(portico, org.id, ['member'])
        const stranger = (await signUp(app())) as Person
        const url = `/v1/organizations/${org.id}/audit-events${path}`
        const refused = await call(app(), 'GET', url, { token: member.token })
        expect(refused.status).toBe(403)
        expect(refused.body).toMatchObject({ code: 'forbidden', permission: 'audit:read' })
        expect((await call(app(), 'GET', url, { token: stranger.token })).status).toBe(404)
        expect((await call(app(), 'GET', url)).status).toBe(401)
        const admin = await addMember(portico, org.id, ['admin'])
        expect((await call(app(), 'GET', url, { token: admin.token })).status).toBe(200)
      },
    )

    // guards: cross-organization read of audit events
    it('never shows one organization’s events to another’s admin, even by target or actor id', async () => {
      const first = await busyOrganization('First Tenant')
      const second = await busyOrganization('Second Tenant')
      const answer = await list(second.org.id, second.owner.token, `?targetId=${first.environment.id}`)
      expect(answer.body.items).toEqual([])
      const all = (await list(second.org.id, second.owner.token)).body.items as Served[]
      expect(all.every((event) => event.organizationId === second.org.id)).toBe(true)
      expect((await list(first.org.id, second.owner.token)).status).toBe(404)
    })

    it('does not serve a deleted organization’s events, though it keeps them', async () => {
      const owner = (await signUp(app())) as Person
      const org = await createOrganization(app(), owner, 'Gone')
      await must(call(app(), 'DELETE', `/v1/organizations/${org.id}`, { token: owner.token }), 204)
      for (const path of ['', '/export', '/verify']) {
        expect((await list(org.id, owner.token, path)).status).toBe(404)
      }
      await chainQueuedEvents(db(), org.id, 'wait')
      const kept = await db()
        .selectFrom('audit_events')
        .select('type')
        .where('organization_id', '=', org.id)
        .orderBy('seq')
        .execute()
      expect(kept.map((row) => row.type)).toEqual([
        'organization.created',
        'member.added',
        'organization.deleted',
      ])
    })
  })

  describe('retention', () => {
    const DAY = 24 * HOUR
    const kept = async (organizationId: string) => {
      await chainQueuedEvents(db(), organizationId, 'wait')
      const { n } = await db()
        .selectFrom('audit_events')
        .select(db().fn.countAll<number>().as('n'))
        .where('organization_id', '=', organizationId)
        .executeTakeFirstOrThrow()
      return n
    }

    it('purges a deleted organization’s events once ORG_AUDIT_RETENTION_DAYS have passed, not before', async () => {
      const owner = (await signUp(app())) as Person
      const doomed = await createOrganization(app(), owner, 'Retained')
      const alive = await createOrganization(app(), owner, 'Alive')
      await must(call(app(), 'DELETE', `/v1/organizations/${doomed.id}`, { token: owner.token }), 204)
      portico.clock.advance(365 * DAY - HOUR)
      await portico.auditRetention.sweepNow()
      expect(Number(await kept(doomed.id))).toBe(3)
      portico.clock.advance(2 * HOUR)
      // Two instances sweeping at once do not conflict: each skips what the other holds.
      const [a, b] = await Promise.all([portico.auditRetention.sweepNow(), portico.auditRetention.sweepNow()])
      expect(a + b).toBeGreaterThanOrEqual(4)
      expect(Number(await kept(doomed.id))).toBe(0)
      expect(Number(await kept(alive.id))).toBe(2)
      const head = await db()
        .selectFrom('audit_chain_heads')
        .select('organization_id')
        .where('organization_id', '=', doomed.id)
        .executeTakeFirst()
      expect(head).toBeUndefined()
    })
  })
})

describe.runIf(databases.includes('postgres'))(
  'portico audit:export (npm run audit:export) on PostgreSQL',
  () => {
    let portico: TestPortico
    beforeAll(async () => {
      portico = await startTestPortico('postgres', { env: { ORG_CREATION_LIMIT: '0' } })
    })
    afterAll(async () => {
      await portico?.close()
    })

    const exportCli = (...args: string[]) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          ['src/cli/portico.ts', 'audit:export', ...args],
          { env: { ...process.env, DATABASE_URL: portico.database.url }, maxBuffer: 64 * 1024 * 1024 },
          (error, stdout, stderr) => resolve({ code: error ? (error.code as number) : 0, stdout, stderr }),
        )
      })

    it('exports a deleted organization’s events as NDJSON, oldest first, the chain intact', async () => {
      const owner = (await signUp(portico.app)) as Person
      const org = await createOrganization(portico.app, owner, 'Exported After Death')
      await must(
        call(portico.app, 'POST', `/v1/organizations/${org.id}/environments`, {
          token: owner.token,
          body: { name: 'qa' },
        }),
        201,
      )
      const listed = (
        await call(portico.app, 'GET', `/v1/organizations/${org.id}/audit-events`, { token: owner.token })
      ).body.items as Served[]
      await must(call(portico.app, 'DELETE', `/v1/organizations/${org.id}`, { token: owner.token }), 204)

      const answer = await exportCli('--organization', org.id)
      expect(answer.stderr).toBe('')
      expect(answer.code).toBe(0)
      const events = answer.stdout
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as Served)
      expect(events.map((event) => event.type)).toEqual([
        'organization.created',
        'member.added',
        'environment.created',
        'organization.deleted',
      ])
      expect(events.slice(0, 3)).toEqual([...listed].reverse())
      expectValidChain(events)
    })

    it('says so, and fails, for an organization with no events kept (1) or a malformed id (2: usage)', async () => {
      const unknown = await exportCli('--organization', '00000000-0000-4000-8000-000000000000')
      expect(unknown.code).toBe(1)
      expect(unknown.stderr).toBe(
        'portico: no audit events are kept for organization 00000000-0000-4000-8000-000000000000\n',
      )
      const malformed = await exportCli('--organization', 'acme')
      expect(malformed.code).toBe(2)
      expect(malformed.stderr).toContain('--organization must be an organization id (a UUID)')
    })
  },
)
