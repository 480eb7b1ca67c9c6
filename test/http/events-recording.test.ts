// Every change records its event in its own transaction, appended to the organization's hash
// chain: seq from 1 with no gaps however many writes run at once, and a hash anyone can recompute
// with their own code (here: the `canonicalize` package and node:crypto, not Portico's).
import { createHash } from 'node:crypto'
import canonicalize from 'canonicalize'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chainQueuedEvents } from '../../src/services/events/audit-chain.ts'
import type { Executor } from '../../src/store/executor.ts'
import { databases } from '../helpers/databases.ts'
import { call, signUp } from '../helpers/http.ts'
import { createOrganization } from '../helpers/organizations.ts'
import { apiKey, application, must } from '../helpers/portal.ts'
import { startTestPortico, type TestPortico } from '../helpers/test-portico.ts'

/** The organization's events as API.md serves them, oldest first, read straight from the table. */
async function storedEvents(db: Executor, organizationId: string) {
  await chainQueuedEvents(db, organizationId, 'wait')
  const rows = await db
    .selectFrom('audit_events')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .orderBy('seq')
    .execute()
  return rows.map((row) => ({
    id: row.id,
    organizationId: row.organization_id,
    seq: Number(row.seq),
    type: row.type,
    occurredAt: row.occurred_at.toISOString(),
    actor: { type: row.actor_type, id: row.actor_id, name: row.actor_name },
    target: { type: row.target_type, id: row.target_id },
    data: row.data,
    requestId: row.request_id,
    hash: row.hash,
  }))
}

/** API.md's rule, written independently: sha256(previous hash + RFC 8785 JSON of the event without hash). */
function expectValidChain(events: { seq: number; hash: string }[]) {
  let previous = '0'.repeat(64)
  events.forEach((event, index) => {
    expect(event.seq).toBe(index + 1)
    const { hash, ...unhashed } = event
    const expected = createHash('sha256')
      .update(previous + canonicalize(unhashed), 'utf8')
      .digest('hex')
    expect(hash).toBe(expected)
    previous = hash
  })
}

describe.each(databases)('recording events on %s', (databaseName) => {
  let portico: TestPortico
  beforeAll(async () => {
    portico = await startTestPortico(databaseName, { env: { ORG_CREATION_LIMIT: '0', RATE_LIMIT: 'off' } })
  })
  afterAll(async () => {
    await portico?.close()
  })
  const app = () => portico.app
  const db = () => portico.database.db

  it('records organization.created (seq 1) then member.added for the creator, chained', async () => {
    const owner = await signUp(app(), { name: 'Ada Lovelace' })
    const org = await createOrganization(app(), owner, 'Chained Co', 'chained-co')
    const events = await storedEvents(db(), org.id)
    expect(events).toEqual([
      {
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        organizationId: org.id,
        seq: 1,
        type: 'organization.created',
        occurredAt: portico.clock.now().toISOString(),
        actor: { type: 'user', id: owner.user.id, name: 'Ada Lovelace' },
        target: { type: 'organization', id: org.id },
        data: { handle: 'chained-co', name: 'Chained Co' },
        requestId: expect.any(String),
        hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
      {
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        organizationId: org.id,
        seq: 2,
        type: 'member.added',
        occurredAt: portico.clock.now().toISOString(),
        actor: { type: 'user', id: owner.user.id, name: 'Ada Lovelace' },
        target: { type: 'member', id: owner.user.id },
        data: {
          userId: owner.user.id,
          name: 'Ada Lovelace',
          email: owner.email,
          roles: ['owner'],
          invitationId: null,
        },
        requestId: events[0]?.requestId,
        hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
    ])
    expectValidChain(events)
  })

  // guards: lost or duplicated seq when two transactions append to one organization's chain at once
  it('numbers concurrent writes of one organization 1, 2, 3 … with no gap, in one valid chain', async () => {
    const owner = await signUp(app())
    const org = await createOrganization(app(), owner, 'Busy Co')
    const writes = Array.from({ length: 12 }, (_, i) => [
      must(
        call(app(), 'POST', `/v1/organizations/${org.id}/apis`, {
          token: owner.token,
          body: { name: `Concurrent ${i}`, version: 'v1', basePath: `/concurrent-${i}` },
        }),
        201,
      ),
      must(
        call(app(), 'POST', `/v1/organizations/${org.id}/environments`, {
          token: owner.token,
          body: { name: `staging-${i}` },
        }),
        201,
      ),
    ]).flat()
    await Promise.all(writes)
    const events = await storedEvents(db(), org.id)
    expect(events).toHaveLength(2 + 24)
    expectValidChain(events)
    const head = await db()
      .selectFrom('audit_chain_heads')
      .selectAll()
      .where('organization_id', '=', org.id)
      .executeTakeFirstOrThrow()
    expect({ seq: Number(head.seq), hash: head.hash, deleted_at: head.deleted_at }).toEqual({
      seq: 26,
      hash: events[25]?.hash,
      deleted_at: null,
    })
  })

  it('records nothing for a refused write, and the next event takes the next seq', async () => {
    const owner = await signUp(app())
    const org = await createOrganization(app(), owner, 'Refusals')
    await must(
      call(app(), 'POST', `/v1/organizations/${org.id}/environments`, {
        token: owner.token,
        body: { name: 'qa' },
      }),
      201,
    )
    await must(
      call(app(), 'POST', `/v1/organizations/${org.id}/environments`, {
        token: owner.token,
        body: { name: 'qa' },
      }),
      409,
    )
    await must(
      call(app(), 'POST', `/v1/organizations/${org.id}/environments`, {
        token: owner.token,
        body: { name: 'uat' },
      }),
      201,
    )
    const events = await storedEvents(db(), org.id)
    expect(events.map((event) => [event.seq, event.type, event.data])).toEqual([
      [1, 'organization.created', { handle: org.handle, name: 'Refusals' }],
      [2, 'member.added', expect.anything()],
      [3, 'environment.created', { name: 'qa' }],
      [4, 'environment.created', { name: 'uat' }],
    ])
    expectValidChain(events)
  })

  it('never records a key’s secret: key.created, key.rotated (targeting the new key) and key.revoked', async () => {
    const owner = await signUp(app())
    const org = await createOrganization(app(), owner, 'Keyed')
    const shop = await application(app(), owner.token, org.id)
    const created = await apiKey(app(), owner.token, org.id, shop.id)
    const rotated = await must(
      call(app(), 'POST', `/v1/organizations/${org.id}/applications/${shop.id}/keys/${created.id}/rotate`, {
        token: owner.token,
        body: { gracePeriodSeconds: 60 },
      }),
      201,
    )
    await must(
      call(app(), 'DELETE', `/v1/organizations/${org.id}/applications/${shop.id}/keys/${rotated.id}`, {
        token: owner.token,
      }),
      204,
    )
    const events = await storedEvents(db(), org.id)
    const keyFields = {
      applicationId: shop.id,
      environment: 'production',
      name: created.name,
      prefix: created.prefix,
      last4: created.last4,
    }
    expect(events.slice(3).map(({ type, target, data }) => ({ type, target, data }))).toEqual([
      {
        type: 'key.created',
        target: { type: 'key', id: created.id },
        data: { ...keyFields, expiresAt: null },
      },
      {
        type: 'key.rotated',
        target: { type: 'key', id: rotated.id },
        data: {
          ...keyFields,
          last4: rotated.last4,
          prefix: rotated.prefix,
          previousKeyId: created.id,
          gracePeriodSeconds: 60,
          previousKeyExpiresAt: new Date(portico.clock.now().getTime() + 60_000).toISOString(),
        },
      },
      {
        type: 'key.revoked',
        target: { type: 'key', id: rotated.id },
        data: { ...keyFields, last4: rotated.last4, prefix: rotated.prefix, reason: 'revoked' },
      },
    ])
    const text = JSON.stringify(events)
    expect(text).not.toContain(created.secret)
    expect(text).not.toContain(rotated.secret)
  })

  it('keeps a deleted organization’s events and marks its chain closed', async () => {
    const owner = await signUp(app())
    const org = await createOrganization(app(), owner, 'Short Lived')
    await must(call(app(), 'DELETE', `/v1/organizations/${org.id}`, { token: owner.token }), 204)
    const events = await storedEvents(db(), org.id)
    expect(events.map((event) => event.type)).toEqual([
      'organization.created',
      'member.added',
      'organization.deleted',
    ])
    expectValidChain(events)
    const head = await db()
      .selectFrom('audit_chain_heads')
      .select('deleted_at')
      .where('organization_id', '=', org.id)
      .executeTakeFirstOrThrow()
    expect(head.deleted_at).toEqual(portico.clock.now())
  })
})
