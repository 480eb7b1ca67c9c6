// Black-box tests of API.md "The developer identity" on PGlite and PostgreSQL, against a small
// API7 Developer Portal on loopback (test/helpers/api7-portal.ts) that can be told to refuse, hang
// or answer 404: PROVIDER_PORTAL=none, api7 with async and required provisioning, sync, deletion.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type FakeApi7Portal, startFakeApi7Portal } from '../helpers/api7-portal.ts'
import { databases } from '../helpers/databases.ts'
import { call, signUp } from '../helpers/http.ts'
import { addMember, createOrganization, type Person } from '../helpers/organizations.ts'
import { apiKey, application, must } from '../helpers/portal.ts'
import { startTestPortico, type TestPortico } from '../helpers/test-portico.ts'
import { eventually } from '../helpers/webhook-receiver.ts'

const GATEWAY_TOKEN = 'gateway-token-for-developer-tests'

describe.each(databases)('developer identity with PROVIDER_PORTAL=none on %s', (databaseName) => {
  let portico: TestPortico
  beforeAll(async () => {
    portico = await startTestPortico(databaseName, {
      env: { ORG_CREATION_LIMIT: '0', GATEWAY_TOKEN },
    })
  }, 180_000)
  afterAll(async () => {
    await portico?.close()
  })

  it('is Portico itself, active at once; key verification names it', async () => {
    const owner = (await signUp(portico.app)) as Person
    const created = await call(portico.app, 'POST', '/v1/organizations', {
      token: owner.token,
      body: { name: 'Self Provided' },
    })
    expect(created.status).toBe(201)
    const identity = {
      developerId: created.body.id,
      provider: 'portico',
      state: 'active',
      lastError: null,
      syncedAt: created.body.createdAt,
    }
    // The 201 is the Organization as documented; the identity is read apart.
    expect(created.body.developer).toBeUndefined()
    const base = `/v1/organizations/${created.body.id}`
    expect((await call(portico.app, 'GET', `${base}/developer`, { token: owner.token })).body).toEqual(
      identity,
    )
    expect((await call(portico.app, 'POST', `${base}/developer/sync`, { token: owner.token })).status).toBe(
      202,
    )

    const app = await application(portico.app, owner.token, created.body.id)
    const key = await apiKey(portico.app, owner.token, created.body.id, app.id)
    const verified = await call(portico.app, 'POST', '/v1/keys/verify', {
      token: GATEWAY_TOKEN,
      body: { key: key.secret },
    })
    expect(verified.body).toMatchObject({
      valid: true,
      organizationId: created.body.id,
      developerId: created.body.id,
      applicationId: app.id,
    })
  })

  it('needs organization:read to read and organization:update to sync', async () => {
    const owner = (await signUp(portico.app)) as Person
    const org = await createOrganization(portico.app, owner, 'Permissions Co')
    const subscriber = await addMember(portico, org.id, ['environment-manager'])
    const base = `/v1/organizations/${org.id}/developer`
    expect((await call(portico.app, 'GET', base, { token: subscriber.token })).status).toBe(200)
    const sync = await call(portico.app, 'POST', `${base}/sync`, { token: subscriber.token })
    expect(sync.status).toBe(403)
    expect(sync.body.permission).toBe('organization:update')
    const stranger = (await signUp(portico.app)) as Person
    expect((await call(portico.app, 'GET', base, { token: stranger.token })).status).toBe(404)
  })
})

describe.each(databases)('developer identity in API7 on %s', (databaseName) => {
  let portal: FakeApi7Portal
  let asyncPortico: TestPortico
  let requiredPortico: TestPortico
  beforeAll(async () => {
    portal = await startFakeApi7Portal()
    const env = {
      ORG_CREATION_LIMIT: '0',
      PROVIDER_PORTAL: 'api7',
      PROVIDER_PORTAL_URL: `${portal.url}/`,
      PROVIDER_PORTAL_TOKEN: portal.token,
      WEBHOOK_RETRY_SCHEDULE: '5s,1m',
    }
    asyncPortico = await startTestPortico(databaseName, { env })
    requiredPortico = await startTestPortico(databaseName, {
      env: { ...env, PROVIDER_PROVISIONING: 'required' },
    })
  }, 180_000)
  beforeEach(() => {
    portal.create = 'normal'
    portal.remove = 'normal'
  })
  afterAll(async () => {
    await asyncPortico?.close()
    await requiredPortico?.close()
    await portal?.close()
  })

  const developerOf = async (portico: TestPortico, token: string, organizationId: string) =>
    (await call(portico.app, 'GET', `/v1/organizations/${organizationId}/developer`, { token })).body

  describe('PROVIDER_PROVISIONING=async', () => {
    it('creates the organization at once and provisions its developer in the background, retrying', async () => {
      const portico = asyncPortico
      portal.create = 503
      const owner = (await signUp(portico.app)) as Person
      const created = await call(portico.app, 'POST', '/v1/organizations', {
        token: owner.token,
        body: { name: 'Async Co' },
      })
      expect(created.status).toBe(201)
      expect(created.body.developer).toMatchObject({ developerId: created.body.id, provider: 'api7' })
      const id = created.body.id
      const failed = await eventually(
        () => developerOf(portico, owner.token, id),
        (developer) => developer.lastError !== null,
      )
      expect(failed).toEqual({
        developerId: id,
        provider: 'api7',
        state: 'pending',
        lastError: 'the provider portal answered 503 to creating the developer',
        syncedAt: null,
      })
      expect(portal.calls.find((c) => c.body?.developer_id === id)).toEqual({
        method: 'POST',
        path: '/api/developers',
        authorization: `Bearer ${portal.token}`,
        body: { developer_id: id },
      })

      portal.create = 'normal'
      portico.clock.advance(5_000)
      portico.dispatcher.wake()
      const active = await eventually(
        () => developerOf(portico, owner.token, id),
        (developer) => developer.state === 'active',
      )
      expect(active).toEqual({
        developerId: id,
        provider: 'api7',
        state: 'active',
        lastError: null,
        syncedAt: portico.clock.now().toISOString(),
      })
      expect(portal.developers.has(id)).toBe(true)
    })

    // guards: a developer left in the portal when its organization is deleted while it is being created
    it('deletes the developer again when its organization went while the portal was creating it', async () => {
      const portico = asyncPortico
      portal.create = 'held'
      const owner = (await signUp(portico.app)) as Person
      const org = await createOrganization(portico.app, owner, 'Short Lived')
      await eventually(
        async () => portal.calls.filter((c) => c.method === 'POST' && c.body?.developer_id === org.id).length,
        (posts) => posts === 1,
      )
      await must(call(portico.app, 'DELETE', `/v1/organizations/${org.id}`, { token: owner.token }), 204)
      const deletePath = `/api/developers/${org.id}`
      // The deletion queued with the organization's runs first: nothing to delete yet (404 counts as deleted).
      await eventually(
        async () => portal.calls.filter((c) => c.method === 'DELETE' && c.path === deletePath).length,
        (deletes) => deletes === 1,
      )
      portal.release()
      const deletes = await eventually(
        async () => portal.calls.filter((c) => c.method === 'DELETE' && c.path === deletePath).length,
        (n) => n === 2,
      )
      expect(deletes).toBe(2)
      expect(portal.developers.has(org.id)).toBe(false)
    })

    it('is failed after the last attempt, until sync; a developer already there counts as provisioned', async () => {
      const portico = asyncPortico
      portal.create = 500
      const owner = (await signUp(portico.app)) as Person
      const org = await createOrganization(portico.app, owner, 'Failing Co')
      const attemptsOf = () => portal.calls.filter((c) => c.body?.developer_id === org.id).length
      // Attempts whose outcome is recorded (the next one is scheduled from that moment).
      const settled = async () => {
        const job = await portico.database.db
          .selectFrom('jobs')
          .select(['attempts', 'lease_until'])
          .where('kind', '=', 'developer.provision')
          .where('subject_id', '=', org.id)
          .executeTakeFirstOrThrow()
        return job.lease_until === null ? job.attempts : -1
      }
      await eventually(settled, (n) => n === 1)
      portico.clock.advance(5_000)
      portico.dispatcher.wake()
      await eventually(settled, (n) => n === 2)
      portico.clock.advance(60_000)
      portico.dispatcher.wake()
      const failed = await eventually(
        () => developerOf(portico, owner.token, org.id),
        (developer) => developer.state === 'failed',
      )
      expect(failed.lastError).toBe('the provider portal answered 500 to creating the developer')
      expect(attemptsOf()).toBe(3)

      // Someone created it by hand meanwhile: 409 counts as provisioned.
      portal.create = 'normal'
      portal.developers.add(org.id)
      const sync = await call(portico.app, 'POST', `/v1/organizations/${org.id}/developer/sync`, {
        token: owner.token,
      })
      expect(sync.status).toBe(202)
      await eventually(
        () => developerOf(portico, owner.token, org.id),
        (developer) => developer.state === 'active',
      )
      expect(attemptsOf()).toBe(4)
    })
  })

  describe('PROVIDER_PROVISIONING=required', () => {
    it('creates the developer before the organization and answers it active', async () => {
      const portico = requiredPortico
      const owner = (await signUp(portico.app)) as Person
      const created = await call(portico.app, 'POST', '/v1/organizations', {
        token: owner.token,
        body: { name: 'Required Co' },
      })
      expect(created.status).toBe(201)
      expect(created.body.developer).toEqual({
        developerId: created.body.id,
        provider: 'api7',
        state: 'active',
        lastError: null,
        syncedAt: portico.clock.now().toISOString(),
      })
      expect(portal.developers.has(created.body.id)).toBe(true)
    })

    it.each([
      ['refuses', 503],
      ['cannot be reached in 10 s', 'hang' as const],
    ])(
      'answers 502 provider_unavailable and creates nothing when the portal %s',
      {
        timeout: 30_000,
      },
      async (_, behaviour) => {
        const portico = requiredPortico
        portal.create = behaviour
        const owner = (await signUp(portico.app)) as Person
        const calls = portal.calls.length
        const answer = await call(portico.app, 'POST', '/v1/organizations', {
          token: owner.token,
          body: { name: 'Never Written' },
        })
        expect(answer.status).toBe(502)
        expect(answer.body.code).toBe('provider_unavailable')
        const developerId = portal.calls[calls]?.body?.developer_id
        expect(developerId).toMatch(/^[0-9a-f-]{36}$/)
        const mine = await call(portico.app, 'GET', '/v1/organizations', { token: owner.token })
        expect(mine.body.items).toEqual([])
        const rows = await portico.database.db
          .selectFrom('organizations')
          .select('id')
          .where('id', '=', developerId)
          .execute()
        expect(rows).toEqual([])
      },
    )

    // guards: an orphan developer in the provider for an organization that was never written
    it('deletes the developer again when the organization then fails to be written', async () => {
      const portico = requiredPortico
      const owner = (await signUp(portico.app)) as Person
      await createOrganization(portico.app, owner, 'Taken Handle', 'taken-handle-dev')
      const other = (await signUp(portico.app)) as Person
      const calls = portal.calls.length
      const answer = await call(portico.app, 'POST', '/v1/organizations', {
        token: other.token,
        body: { name: 'Taken Handle', handle: 'taken-handle-dev' },
      })
      expect(answer.status).toBe(409)
      expect(answer.body.code).toBe('handle_taken')
      const [created, deleted] = portal.calls.slice(calls)
      expect(created?.method).toBe('POST')
      expect(deleted).toMatchObject({
        method: 'DELETE',
        path: `/api/developers/${created?.body.developer_id}`,
      })
      expect(portal.developers.has(created?.body.developer_id)).toBe(false)
    })
  })

  describe('deleting an organization', () => {
    it('never waits for the portal: the developer is deleted in the background, retried', async () => {
      const portico = requiredPortico
      const owner = (await signUp(portico.app)) as Person
      const org = await createOrganization(portico.app, owner, 'Going Away')
      portal.remove = 'hang'
      const removed = await call(portico.app, 'DELETE', `/v1/organizations/${org.id}`, { token: owner.token })
      expect(removed.status).toBe(204)
      await eventually(
        async () => portal.calls.filter((c) => c.method === 'DELETE' && c.path.endsWith(org.id)).length,
        (n) => n === 1,
      )
      expect(portal.developers.has(org.id)).toBe(true)
      // The hanging call times out (10 s) and is retried after 5 s.
      portal.remove = 'normal'
      await eventually(
        async () =>
          await portico.database.db
            .selectFrom('jobs')
            .select(['status', 'last_error'])
            .where('kind', '=', 'developer.delete')
            .where('subject_id', '=', org.id)
            .executeTakeFirstOrThrow(),
        (job) => job.last_error !== null,
        20_000,
      )
      portico.clock.advance(5_000)
      portico.dispatcher.wake()
      await eventually(
        async () => portal.developers.has(org.id),
        (present) => !present,
      )
    }, 40_000)

    it('counts a developer already gone (404) as deleted', async () => {
      const portico = requiredPortico
      const owner = (await signUp(portico.app)) as Person
      const org = await createOrganization(portico.app, owner, 'Gone Already')
      portal.developers.delete(org.id)
      expect(
        (await call(portico.app, 'DELETE', `/v1/organizations/${org.id}`, { token: owner.token })).status,
      ).toBe(204)
      const job = await eventually(
        () =>
          portico.database.db
            .selectFrom('jobs')
            .select(['status', 'attempts', 'last_status_code'])
            .where('kind', '=', 'developer.delete')
            .where('subject_id', '=', org.id)
            .executeTakeFirstOrThrow(),
        (row) => row.status !== 'pending',
      )
      expect(job).toEqual({ status: 'succeeded', attempts: 1, last_status_code: null })
    })
  })
})
