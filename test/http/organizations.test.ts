// Black-box tests of API.md "Organizations" on PGlite and PostgreSQL: happy paths, errors, security.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chainQueuedEvents } from '../../src/services/events/audit-chain.ts'
import { databases } from '../helpers/databases.ts'
import { call, signUp } from '../helpers/http.ts'
import { images } from '../helpers/images.ts'
import { addMember, createOrganization, eventTypes } from '../helpers/organizations.ts'
import { PUBLIC_URL, startTestPortico, type TestPortico } from '../helpers/test-portico.ts'

describe.each(databases)('organizations on %s', (databaseName) => {
  let portico: TestPortico
  beforeAll(async () => {
    portico = await startTestPortico(databaseName, { env: { ORG_CREATION_LIMIT: '0' } })
  })
  afterAll(async () => {
    await portico?.close()
  })
  const app = () => portico.app
  const db = () => portico.database.db

  describe('happy paths', () => {
    it('creates an organization whose creator is owner, with every permission, and switches to it', async () => {
      const ada = await signUp(app())
      const answer = await call(app(), 'POST', '/v1/organizations', {
        token: ada.token,
        body: { name: 'Analytical Engines', handle: 'analytical-engines' },
      })
      expect(answer.status).toBe(201)
      expect(answer.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        handle: 'analytical-engines',
        name: 'Analytical Engines',
        logoUrl: null,
        createdAt: portico.clock.now().toISOString(),
        roles: ['owner'],
        permissions: expect.arrayContaining(['organization:delete', 'member:invite', 'audit:read']),
      })
      expect(answer.body.permissions).toHaveLength(32)
      const me = await call(app(), 'GET', '/v1/me', { token: ada.token })
      expect(me.body.activeOrganizationId).toBe(answer.body.id)
      expect(me.body.organizations).toEqual([
        {
          id: answer.body.id,
          handle: 'analytical-engines',
          name: 'Analytical Engines',
          logoUrl: null,
          roles: ['owner'],
          joinedAt: portico.clock.now().toISOString(),
        },
      ])
      expect(await eventTypes(db(), answer.body.id)).toEqual(['organization.created', 'member.added'])
    })

    it('says no creation limit (null) with ORG_CREATION_LIMIT=0, and the organizations created', async () => {
      const ada = await signUp(app())
      await createOrganization(app(), ada, 'Unlimited One')
      const answer = await call(app(), 'GET', '/v1/me/organization-limit', { token: ada.token })
      expect(answer.status).toBe(200)
      expect(answer.body).toEqual({ limit: null, created: 1 })
    })

    it('derives the handle from the name, with a suffix when it is taken', async () => {
      const owner = await signUp(app())
      const first = await createOrganization(app(), owner, 'Derived Handle Inc.')
      expect(first.handle).toBe('derived-handle-inc')
      const second = await createOrganization(app(), owner, 'Derived Handle Inc.')
      expect(second.handle).toMatch(/^derived-handle-inc-[0-9a-f]{4}$/)
      const reserved = await createOrganization(app(), owner, 'Admin')
      expect(reserved.handle).toMatch(/^admin-[0-9a-f]{4}$/)
    })

    it('reads an organization by id, by handle, and by handle in any case', async () => {
      const owner = await signUp(app())
      const org = await createOrganization(app(), owner, 'Read Me', 'read-me')
      for (const ref of [org.id, 'read-me', 'READ-Me']) {
        const answer = await call(app(), 'GET', `/v1/organizations/${ref}`, { token: owner.token })
        expect(answer.status).toBe(200)
        expect(answer.body).toMatchObject({
          id: org.id,
          handle: 'read-me',
          name: 'Read Me',
          roles: ['owner'],
        })
      }
    })

    it("lists the caller's organizations with roles and join dates, paginated", async () => {
      const owner = await signUp(app())
      const created = []
      for (const name of ['List One', 'List Two', 'List Three']) {
        created.push(await createOrganization(app(), owner, name))
        portico.clock.advance(1000)
      }
      const first = await call(app(), 'GET', '/v1/organizations?limit=2', { token: owner.token })
      expect(first.status).toBe(200)
      expect(first.body.items.map((o: { name: string }) => o.name)).toEqual(['List One', 'List Two'])
      expect(first.body.items[0]).toMatchObject({
        roles: ['owner'],
        joinedAt: expect.any(String),
        handle: 'list-one',
      })
      expect(first.body.nextCursor).toEqual(expect.any(String))
      const second = await call(app(), 'GET', `/v1/organizations?limit=2&cursor=${first.body.nextCursor}`, {
        token: owner.token,
      })
      expect(second.body.items.map((o: { name: string }) => o.name)).toEqual(['List Three'])
      expect(second.body.nextCursor).toBeNull()
    })

    it('renames an organization; its id and handle stay; an audit row records before and after', async () => {
      const owner = await signUp(app())
      const org = await createOrganization(app(), owner, 'Old Name', 'stays-put')
      const answer = await call(app(), 'PATCH', `/v1/organizations/${org.id}`, {
        token: owner.token,
        body: { name: 'New Name' },
      })
      expect(answer.status).toBe(200)
      expect(answer.body).toMatchObject({ id: org.id, handle: 'stays-put', name: 'New Name' })
      await chainQueuedEvents(db(), org.id, 'wait')
      const event = await db()
        .selectFrom('audit_events')
        .select(['data', 'actor_id', 'actor_name', 'request_id'])
        .where('organization_id', '=', org.id)
        .where('type', '=', 'organization.updated')
        .executeTakeFirstOrThrow()
      expect(event).toEqual({
        data: { before: { name: 'Old Name', logo: null }, after: { name: 'New Name', logo: null } },
        actor_id: owner.user.id,
        actor_name: owner.user.name,
        request_id: answer.headers['x-request-id'],
      })
    })

    it('uploads, serves, replaces and removes a logo, checked by its bytes', async () => {
      const owner = await signUp(app())
      const org = await createOrganization(app(), owner, 'Logo Co')
      const png = images.png(64, 64)
      const uploaded = await app().inject({
        method: 'PUT',
        url: `/v1/organizations/${org.id}/logo`,
        headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'image/png' },
        payload: png,
      })
      expect(uploaded.statusCode).toBe(200)
      const logoUrl = uploaded.json().logoUrl
      expect(logoUrl).toMatch(new RegExp(`^${PUBLIC_URL}/v1/organizations/${org.id}/logo\\?v=[0-9a-f]{12}$`))

      const served = await app().inject({
        method: 'GET',
        url: logoUrl.slice(PUBLIC_URL.length),
        headers: { authorization: `Bearer ${owner.token}` },
      })
      expect(served.statusCode).toBe(200)
      expect(served.headers['content-type']).toBe('image/png')
      expect(served.rawPayload.equals(png)).toBe(true)
      expect(served.headers['x-content-type-options']).toBe('nosniff')
      expect(served.headers['content-security-policy']).toBe("default-src 'none'")
      expect(served.headers['cache-control']).toBe('private, no-cache')
      const etag = String(served.headers.etag)
      expect(etag).toMatch(/^"[0-9a-f]{32}"$/)
      const revalidated = await app().inject({
        method: 'GET',
        url: `/v1/organizations/${org.id}/logo`,
        headers: { authorization: `Bearer ${owner.token}`, 'if-none-match': etag },
      })
      expect(revalidated.statusCode).toBe(304)

      // Sent as image/png, but the bytes are a GIF: served as what it is.
      const gif = await app().inject({
        method: 'PUT',
        url: `/v1/organizations/${org.id}/logo`,
        headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'image/png' },
        payload: images.gif(32, 32),
      })
      expect(gif.statusCode).toBe(200)
      expect(gif.json().logoUrl).not.toBe(logoUrl)
      const servedGif = await app().inject({
        method: 'GET',
        url: `/v1/organizations/${org.id}/logo`,
        headers: { authorization: `Bearer ${owner.token}` },
      })
      expect(servedGif.headers['content-type']).toBe('image/gif')

      expect(
        (await call(app(), 'DELETE', `/v1/organizations/${org.id}/logo`, { token: owner.token })).status,
      ).toBe(204)
      expect(
        (await call(app(), 'GET', `/v1/organizations/${org.id}`, { token: owner.token })).body.logoUrl,
      ).toBeNull()
      const gone = await call(app(), 'GET', `/v1/organizations/${org.id}/logo`, { token: owner.token })
      expect(gone.status).toBe(404)
      expect(await eventTypes(db(), org.id)).toEqual([
        'organization.created',
        'member.added',
        'organization.updated',
        'organization.updated',
        'organization.updated',
      ])
    })

    it('deletes an organization with its members and logo; members lose it at once', async () => {
      const owner = await signUp(app())
      const org = await createOrganization(app(), owner, 'Doomed')
      const member = await addMember(portico, org.id, ['member'])
      await app().inject({
        method: 'PUT',
        url: `/v1/organizations/${org.id}/logo`,
        headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'image/png' },
        payload: images.png(8, 8),
      })
      expect(
        (await call(app(), 'DELETE', `/v1/organizations/${org.id}`, { token: owner.token })).status,
      ).toBe(204)
      expect((await call(app(), 'GET', `/v1/organizations/${org.id}`, { token: owner.token })).status).toBe(
        404,
      )
      expect((await call(app(), 'GET', `/v1/organizations/${org.id}`, { token: member.token })).status).toBe(
        404,
      )
      const me = await call(app(), 'GET', '/v1/me', { token: owner.token })
      expect(me.body.activeOrganizationId).toBeNull()
      expect(me.body.organizations).toEqual([])
      const left = await db()
        .selectFrom('memberships')
        .select('user_id')
        .where('organization_id', '=', org.id)
        .execute()
      expect(left).toEqual([])
      const logos = await db()
        .selectFrom('organization_logos')
        .select('organization_id')
        .where('organization_id', '=', org.id)
        .execute()
      expect(logos).toEqual([])
      expect(await eventTypes(db(), org.id)).toEqual([
        'organization.created',
        'member.added',
        'organization.updated',
        'organization.deleted',
      ])
    })
  })

  describe('errors', () => {
    it('refuses a taken handle with 409 handle_taken', async () => {
      const owner = await signUp(app())
      await createOrganization(app(), owner, 'First', 'taken-handle')
      const answer = await call(app(), 'POST', '/v1/organizations', {
        token: owner.token,
        body: { name: 'Second', handle: 'taken-handle' },
      })
      expect(answer.status).toBe(409)
      expect(answer.body.code).toBe('handle_taken')
    })

    it.each([
      ['a short handle', { name: 'X', handle: 'ab' }, '/handle'],
      ['an upper-case handle', { name: 'X', handle: 'Acme' }, '/handle'],
      ['a handle starting with a digit', { name: 'X', handle: '1acme' }, '/handle'],
      ['a reserved handle', { name: 'X', handle: 'settings' }, '/handle'],
      ['a long handle', { name: 'X', handle: 'a'.repeat(41) }, '/handle'],
      ['no name', { handle: 'no-name' }, '/name'],
      ['a blank name', { name: '  ' }, '/name'],
      ['an id', { name: 'X', id: '00000000-0000-0000-0000-000000000000' }, '/id'],
      ['roles', { name: 'X', roles: ['owner'] }, '/roles'],
    ])('refuses creation with %s: 400 validation_failed, nothing created', async (_, body, path) => {
      const owner = await signUp(app())
      const answer = await call(app(), 'POST', '/v1/organizations', { token: owner.token, body })
      expect(answer.status).toBe(400)
      expect(answer.body.code).toBe('validation_failed')
      expect(answer.body.errors).toContainEqual(expect.objectContaining({ path }))
      expect((await call(app(), 'GET', '/v1/me', { token: owner.token })).body.organizations).toEqual([])
    })

    it('refuses renaming the handle, id or creation date (mass assignment): 400, unchanged', async () => {
      const owner = await signUp(app())
      const org = await createOrganization(app(), owner, 'Fixed', 'fixed-handle')
      for (const body of [
        { handle: 'new-handle' },
        { id: '00000000-0000-0000-0000-000000000000' },
        { createdAt: '2000-01-01T00:00:00Z' },
        { roles: ['owner'] },
      ]) {
        const answer = await call(app(), 'PATCH', `/v1/organizations/${org.id}`, { token: owner.token, body })
        expect(answer.status).toBe(400)
        expect(answer.body.code).toBe('validation_failed')
      }
      expect(
        (await call(app(), 'GET', '/v1/organizations/fixed-handle', { token: owner.token })).body,
      ).toMatchObject({
        id: org.id,
        handle: 'fixed-handle',
        name: 'Fixed',
      })
    })

    it('refuses SVG, non-images, huge and oversized logos', async () => {
      const owner = await signUp(app())
      const org = await createOrganization(app(), owner, 'Picky')
      const put = (payload: Buffer, contentType: string) =>
        app().inject({
          method: 'PUT',
          url: `/v1/organizations/${org.id}/logo`,
          headers: { authorization: `Bearer ${owner.token}`, 'content-type': contentType },
          payload,
        })
      const svg = await put(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), 'image/svg+xml')
      expect(svg.statusCode).toBe(415)
      expect(svg.json().code).toBe('unsupported_media_type')
      const disguised = await put(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), 'image/png')
      expect(disguised.statusCode).toBe(415)
      expect(disguised.json().code).toBe('unsupported_media_type')
      const huge = await put(Buffer.concat([images.png(10, 10), Buffer.alloc(1024 * 1024)]), 'image/png')
      expect(huge.statusCode).toBe(413)
      expect(huge.json().code).toBe('payload_too_large')
      const wide = await put(images.gif(5000, 10), 'image/gif')
      expect(wide.statusCode).toBe(400)
      expect(wide.json().code).toBe('validation_failed')
      expect(
        (await call(app(), 'GET', `/v1/organizations/${org.id}`, { token: owner.token })).body.logoUrl,
      ).toBeNull()
    })

    it('answers 404 for an organization that does not exist, by id or handle', async () => {
      const owner = await signUp(app())
      for (const ref of ['00000000-0000-4000-8000-000000000000', 'no-such-org']) {
        const answer = await call(app(), 'GET', `/v1/organizations/${ref}`, { token: owner.token })
        expect(answer.status).toBe(404)
        expect(answer.body.code).toBe('not_found')
      }
    })

    it('answers 401 without a session', async () => {
      expect((await call(app(), 'GET', '/v1/organizations')).status).toBe(401)
      expect((await call(app(), 'POST', '/v1/organizations', { body: { name: 'X' } })).status).toBe(401)
    })
  })

  describe('the creation limit', () => {
    it('lets a user create ORG_CREATION_LIMIT organizations (default 1), counting only ones that still exist', async () => {
      const limited = await startTestPortico(databaseName)
      try {
        const owner = await signUp(limited.app)
        const first = await createOrganization(limited.app, owner, 'Only One')
        const second = await call(limited.app, 'POST', '/v1/organizations', {
          token: owner.token,
          body: { name: 'Two' },
        })
        expect(second.status).toBe(403)
        expect(second.body.code).toBe('organization_limit_reached')
        expect(
          (await call(limited.app, 'DELETE', `/v1/organizations/${first.id}`, { token: owner.token })).status,
        ).toBe(204)
        expect(
          (
            await call(limited.app, 'POST', '/v1/organizations', {
              token: owner.token,
              body: { name: 'Two' },
            })
          ).status,
        ).toBe(201)
      } finally {
        await limited.close()
      }
    })
  })

  describe('security', () => {
    it('answers a non-member 404 for every organization path, exactly as for a missing one', async () => {
      const owner = await signUp(app())
      const stranger = await signUp(app())
      const org = await createOrganization(app(), owner, 'Private', 'private-org')
      const missing = await call(app(), 'GET', '/v1/organizations/missing-org', { token: stranger.token })
      const attempts = [
        await call(app(), 'GET', `/v1/organizations/${org.id}`, { token: stranger.token }),
        await call(app(), 'GET', '/v1/organizations/private-org', { token: stranger.token }),
        await call(app(), 'PATCH', `/v1/organizations/${org.id}`, {
          token: stranger.token,
          body: { name: 'Mine' },
        }),
        await call(app(), 'DELETE', `/v1/organizations/${org.id}`, { token: stranger.token }),
        await call(app(), 'GET', `/v1/organizations/${org.id}/logo`, { token: stranger.token }),
        await call(app(), 'DELETE', `/v1/organizations/${org.id}/logo`, { token: stranger.token }),
      ]
      for (const answer of attempts) {
        expect(answer.status).toBe(404)
        expect(answer.body).toEqual({ ...missing.body, detail: answer.body.detail })
        expect(answer.body.detail).toBe('no such organization')
      }
      expect(
        (await call(app(), 'GET', `/v1/organizations/${org.id}`, { token: owner.token })).body.name,
      ).toBe('Private')
    })

    it.each([
      ['member', 'PATCH', '', 'organization:update'],
      ['member', 'DELETE', '', 'organization:delete'],
      ['admin', 'DELETE', '', 'organization:delete'],
      ['api-publisher', 'DELETE', '/logo', 'organization:update'],
      ['billing-admin', 'PATCH', '', 'organization:update'],
    ] as const)('refuses a %s %s%s with 403 naming %s', async (role, method, suffix, permission) => {
      const owner = await signUp(app())
      const org = await createOrganization(app(), owner, 'Guarded')
      const member = await addMember(portico, org.id, [role])
      const answer = await call(app(), method, `/v1/organizations/${org.id}${suffix}`, {
        token: member.token,
        body: method === 'PATCH' ? { name: 'Hijacked' } : undefined,
      })
      expect(answer.status).toBe(403)
      expect(answer.body).toMatchObject({ code: 'forbidden', permission })
      expect(
        (await call(app(), 'GET', `/v1/organizations/${org.id}`, { token: owner.token })).body.name,
      ).toBe('Guarded')
    })

    it('gives a member their own roles and permissions in the organization', async () => {
      const owner = await signUp(app())
      const org = await createOrganization(app(), owner, 'Roles Shown')
      const member = await addMember(portico, org.id, ['member', 'billing-admin'])
      const answer = await call(app(), 'GET', `/v1/organizations/${org.id}`, { token: member.token })
      expect(answer.body.roles).toEqual(['member', 'billing-admin'])
      expect(answer.body.permissions).toEqual([
        'organization:read',
        'member:read',
        'role:read',
        'api:read',
        'environment:read',
        'application:read',
        'subscription:read',
        'credential:read',
        'billing:read',
        'billing:manage',
      ])
    })
  })
})
