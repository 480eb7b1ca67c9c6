// The two read-only additions to API.md behind the console's first run, on PGlite and PostgreSQL:
// GET /v1/handle-availability (the handle rule of domain/handles.ts, then the store) and
// GET /v1/me/organization-limit (ORG_CREATION_LIMIT and what the caller created; no limit is in
// organizations.test.ts, which runs with ORG_CREATION_LIMIT=0).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databases } from '../helpers/databases.ts'
import { call, signUp } from '../helpers/http.ts'
import { addMember, createOrganization } from '../helpers/organizations.ts'
import { startTestPortico, type TestPortico } from '../helpers/test-portico.ts'

describe.each(databases)('first run on %s', (databaseName) => {
  let portico: TestPortico
  beforeAll(async () => {
    portico = await startTestPortico(databaseName)
  })
  afterAll(async () => {
    await portico?.close()
  })
  const app = () => portico.app
  const availability = (handle: string, token: string) =>
    call(app(), 'GET', `/v1/handle-availability?handle=${encodeURIComponent(handle)}`, { token })

  describe('handle availability', () => {
    it('answers available for a free handle, taken for one an organization has', async () => {
      const ada = await signUp(app())
      await createOrganization(app(), ada, 'Difference Engines', 'difference-engines')
      const grace = await signUp(app())
      const free = await availability('analytical-engines', grace.token)
      expect(free.status).toBe(200)
      expect(free.body).toEqual({ handle: 'analytical-engines', available: true, reason: null })
      const taken = await availability('difference-engines', grace.token)
      expect(taken.status).toBe(200)
      expect(taken.body).toEqual({ handle: 'difference-engines', available: false, reason: 'taken' })
    })

    it('answers invalid for every handle creation would refuse: format, reserved words, UUID shapes', async () => {
      const ada = await signUp(app())
      for (const handle of [
        '',
        'ab',
        'Acme',
        '1acme',
        'acme_corp',
        'a'.repeat(41),
        'admin',
        'settings',
        'abcdef01-2345-6789-abcd-ef0123456789',
      ]) {
        const answer = await availability(handle, ada.token)
        expect(answer.status, handle).toBe(200)
        expect(answer.body).toEqual({ handle, available: false, reason: 'invalid' })
        const creation = await call(app(), 'POST', '/v1/organizations', {
          token: ada.token,
          body: { name: 'Refused', handle },
        })
        expect(creation.status, handle).toBe(400)
      }
    })

    it('frees the handle of a deleted organization', async () => {
      const ada = await signUp(app())
      const organization = await createOrganization(app(), ada, 'Short Lived', 'short-lived')
      expect((await availability('short-lived', ada.token)).body.reason).toBe('taken')
      const deleted = await call(app(), 'DELETE', `/v1/organizations/${organization.id}`, {
        token: ada.token,
      })
      expect(deleted.status).toBe(204)
      expect((await availability('short-lived', ada.token)).body).toEqual({
        handle: 'short-lived',
        available: true,
        reason: null,
      })
    })

    it('refuses a missing handle with 400 validation_failed', async () => {
      const ada = await signUp(app())
      const answer = await call(app(), 'GET', '/v1/handle-availability', { token: ada.token })
      expect(answer.status).toBe(400)
      expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/)
      expect(answer.body).toMatchObject({ status: 400, code: 'validation_failed' })
    })

    it('answers only signed-in users (401 otherwise)', async () => {
      const answer = await call(app(), 'GET', '/v1/handle-availability?handle=acme')
      expect(answer.status).toBe(401)
      expect(answer.body.code).toBe('unauthenticated')
    })

    it('is in the OpenAPI document with its query and answers', async () => {
      const document = (await call(app(), 'GET', '/openapi.json')).body
      const operation = document.paths['/v1/handle-availability'].get
      expect(operation.parameters).toEqual([
        expect.objectContaining({ name: 'handle', in: 'query', required: true }),
      ])
      expect(Object.keys(operation.responses).sort()).toEqual(['200', '400', '401'])
      expect(Object.keys(document.paths['/v1/me/organization-limit'].get.responses).sort()).toEqual([
        '200',
        '401',
      ])
    })
  })

  describe('organization limit', () => {
    it('says the limit (ORG_CREATION_LIMIT, 1 by default) and the organizations the caller created', async () => {
      const ada = await signUp(app())
      const limit = () => call(app(), 'GET', '/v1/me/organization-limit', { token: ada.token })
      expect((await limit()).body).toEqual({ limit: 1, created: 0 })
      const organization = await createOrganization(app(), ada, 'Only One', 'only-one')
      expect((await limit()).body).toEqual({ limit: 1, created: 1 })
      await call(app(), 'DELETE', `/v1/organizations/${organization.id}`, { token: ada.token })
      expect((await limit()).body).toEqual({ limit: 1, created: 0 })
    })

    it('does not count organizations the caller joined', async () => {
      const ada = await signUp(app())
      const organization = await createOrganization(app(), ada, 'Joined Only', 'joined-only')
      const grace = await addMember(portico, organization.id, ['admin'], 'Grace Hopper')
      const answer = await call(app(), 'GET', '/v1/me/organization-limit', { token: grace.token })
      expect(answer.body).toEqual({ limit: 1, created: 0 })
    })

    it('answers only signed-in users (401 otherwise)', async () => {
      expect((await call(app(), 'GET', '/v1/me/organization-limit')).status).toBe(401)
    })
  })
})
