// Black-box tests of API.md "Developer-portal resources" and key verification, on PGlite and
// PostgreSQL: happy paths, errors, the role matrix, and cross-organization security.
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RoleName } from '../../src/domain/permissions.ts'
import { databases } from '../helpers/databases.ts'
import { call, signUp } from '../helpers/http.ts'
import { addMember, createOrganization, eventTypes, type Person } from '../helpers/organizations.ts'
import { apiKey, application, draftApi, must, publishedApi, subscribe } from '../helpers/portal.ts'
import { startTestPortico, type TestPortico } from '../helpers/test-portico.ts'

const GATEWAY_TOKEN = 'gateway-secret-for-tests'

describe.each(databases)('developer-portal resources on %s', (databaseName) => {
  let portico: TestPortico
  beforeAll(async () => {
    portico = await startTestPortico(databaseName, {
      env: { ORG_CREATION_LIMIT: '0', GATEWAY_TOKEN: `other-token,${GATEWAY_TOKEN}` },
    })
  })
  afterAll(async () => {
    await portico?.close()
  })
  const app = () => portico.app
  const db = () => portico.database.db
  const verify = (body: unknown, token = GATEWAY_TOKEN) =>
    call(app(), 'POST', '/v1/keys/verify', { token, body })

  async function owned(name = 'Portal Org') {
    const owner = (await signUp(app())) as Person
    const org = await createOrganization(app(), owner, name)
    return { owner, org }
  }

  describe('APIs', () => {
    it('creates a draft, edits, publishes, deprecates, republishes; audited', async () => {
      const { owner, org } = await owned()
      const created = await call(app(), 'POST', `/v1/organizations/${org.id}/apis`, {
        token: owner.token,
        body: { name: 'Payments', version: 'v1', basePath: '/payments', description: 'Take money' },
      })
      expect(created.status).toBe(201)
      expect(created.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        name: 'Payments',
        version: 'v1',
        basePath: '/payments',
        description: 'Take money',
        status: 'draft',
        createdAt: portico.clock.now().toISOString(),
        createdBy: owner.user.id,
      })
      const id = created.body.id
      const edited = await call(app(), 'PATCH', `/v1/organizations/${org.id}/apis/${id}`, {
        token: owner.token,
        body: { description: 'Take more money' },
      })
      expect(edited.body.description).toBe('Take more money')
      expect(
        (await call(app(), 'POST', `/v1/organizations/${org.id}/apis/${id}/publish`, { token: owner.token }))
          .body.status,
      ).toBe('published')
      expect(
        (
          await call(app(), 'POST', `/v1/organizations/${org.id}/apis/${id}/deprecate`, {
            token: owner.token,
          })
        ).body.status,
      ).toBe('deprecated')
      expect(
        (await call(app(), 'POST', `/v1/organizations/${org.id}/apis/${id}/publish`, { token: owner.token }))
          .body.status,
      ).toBe('published')
      expect(
        (await call(app(), 'GET', `/v1/organizations/${org.id}/apis/${id}`, { token: owner.token })).body
          .status,
      ).toBe('published')
      expect(await eventTypes(db(), org.id)).toEqual([
        'organization.created',
        'member.added',
        'api.created',
        'api.updated',
        'api.published',
        'api.deprecated',
        'api.published',
      ])
    })

    it('refuses a taken name+version or basePath+version (409 conflict), and a draft cannot be deprecated', async () => {
      const { owner, org } = await owned()
      const first = await draftApi(app(), owner.token, org.id, 'Orders', '/orders')
      for (const body of [
        { name: 'Orders', version: 'v1', basePath: '/other' },
        { name: 'Other', version: 'v1', basePath: '/orders' },
      ]) {
        const answer = await call(app(), 'POST', `/v1/organizations/${org.id}/apis`, {
          token: owner.token,
          body,
        })
        expect(answer.status).toBe(409)
        expect(answer.body.code).toBe('conflict')
      }
      expect(
        (
          await call(app(), 'POST', `/v1/organizations/${org.id}/apis`, {
            token: owner.token,
            body: { name: 'Orders', version: 'v2', basePath: '/orders' },
          })
        ).status,
      ).toBe(201)
      const deprecateDraft = await call(
        app(),
        'POST',
        `/v1/organizations/${org.id}/apis/${first.id}/deprecate`,
        { token: owner.token },
      )
      expect(deprecateDraft.status).toBe(409)
    })

    it('refuses deleting an API with subscriptions until it is deprecated', async () => {
      const { owner, org } = await owned()
      const api = await publishedApi(app(), owner.token, org.id)
      const shop = await application(app(), owner.token, org.id)
      await subscribe(app(), owner.token, org.id, shop.id, api.id)
      const refused = await call(app(), 'DELETE', `/v1/organizations/${org.id}/apis/${api.id}`, {
        token: owner.token,
      })
      expect(refused.status).toBe(409)
      await must(
        call(app(), 'POST', `/v1/organizations/${org.id}/apis/${api.id}/deprecate`, { token: owner.token }),
        200,
      )
      expect(
        (await call(app(), 'DELETE', `/v1/organizations/${org.id}/apis/${api.id}`, { token: owner.token }))
          .status,
      ).toBe(204)
      expect(
        (
          await call(app(), 'GET', `/v1/organizations/${org.id}/applications/${shop.id}/subscriptions`, {
            token: owner.token,
          })
        ).body.items,
      ).toEqual([])
    })

    it('shows an external API subscriber published APIs only', async () => {
      const { owner, org } = await owned()
      const published = await publishedApi(app(), owner.token, org.id)
      const draft = await draftApi(app(), owner.token, org.id, 'Secret', '/secret')
      const external = await addMember(portico, org.id, ['external-api-subscriber'])
      const list = await call(app(), 'GET', `/v1/organizations/${org.id}/apis`, { token: external.token })
      expect(list.body.items.map((api: { id: string }) => api.id)).toEqual([published.id])
      expect(
        (await call(app(), 'GET', `/v1/organizations/${org.id}/apis/${draft.id}`, { token: external.token }))
          .status,
      ).toBe(404)
      const member = await addMember(portico, org.id, ['member'])
      expect(
        (await call(app(), 'GET', `/v1/organizations/${org.id}/apis`, { token: member.token })).body.items,
      ).toHaveLength(2)
    })
  })

  describe('environments', () => {
    it('starts with development and production; adds, renames, deletes; refuses deletion while keys exist', async () => {
      const { owner, org } = await owned()
      const listed = await call(app(), 'GET', `/v1/organizations/${org.id}/environments`, {
        token: owner.token,
      })
      expect(listed.body.items.map((e: { name: string }) => e.name)).toEqual(['development', 'production'])
      const staging = await must(
        call(app(), 'POST', `/v1/organizations/${org.id}/environments`, {
          token: owner.token,
          body: { name: 'staging' },
        }),
        201,
      )
      expect(staging).toEqual({ id: expect.any(String), name: 'staging', createdAt: expect.any(String) })
      expect(
        (
          await call(app(), 'POST', `/v1/organizations/${org.id}/environments`, {
            token: owner.token,
            body: { name: 'staging' },
          })
        ).status,
      ).toBe(409)
      expect(
        (
          await call(app(), 'POST', `/v1/organizations/${org.id}/environments`, {
            token: owner.token,
            body: { name: 'Has Spaces' },
          })
        ).status,
      ).toBe(400)
      const renamed = await call(app(), 'PATCH', `/v1/organizations/${org.id}/environments/${staging.id}`, {
        token: owner.token,
        body: { name: 'preprod' },
      })
      expect(renamed.body.name).toBe('preprod')
      const shop = await application(app(), owner.token, org.id)
      const key = await apiKey(app(), owner.token, org.id, shop.id, 'preprod')
      expect(
        (
          await call(app(), 'DELETE', `/v1/organizations/${org.id}/environments/${staging.id}`, {
            token: owner.token,
          })
        ).status,
      ).toBe(409)
      await must(
        call(app(), 'DELETE', `/v1/organizations/${org.id}/applications/${shop.id}/keys/${key.id}`, {
          token: owner.token,
        }),
        204,
      )
      expect(
        (
          await call(app(), 'DELETE', `/v1/organizations/${org.id}/environments/${staging.id}`, {
            token: owner.token,
          })
        ).status,
      ).toBe(204)
    })
  })

  describe('applications and subscriptions', () => {
    it('creates, reads, renames, lists, deletes applications; names are unique', async () => {
      const { owner, org } = await owned()
      const created = await must(
        call(app(), 'POST', `/v1/organizations/${org.id}/applications`, {
          token: owner.token,
          body: { name: 'Storefront', description: 'Web shop' },
        }),
        201,
      )
      expect(created).toEqual({
        id: expect.any(String),
        name: 'Storefront',
        description: 'Web shop',
        createdAt: expect.any(String),
        createdBy: owner.user.id,
      })
      expect(
        (
          await call(app(), 'POST', `/v1/organizations/${org.id}/applications`, {
            token: owner.token,
            body: { name: 'Storefront' },
          })
        ).status,
      ).toBe(409)
      expect(
        (
          await call(app(), 'PATCH', `/v1/organizations/${org.id}/applications/${created.id}`, {
            token: owner.token,
            body: { name: 'Shopfront' },
          })
        ).body.name,
      ).toBe('Shopfront')
      expect(
        (await call(app(), 'GET', `/v1/organizations/${org.id}/applications`, { token: owner.token })).body
          .items,
      ).toHaveLength(1)
      expect(
        (
          await call(app(), 'DELETE', `/v1/organizations/${org.id}/applications/${created.id}`, {
            token: owner.token,
          })
        ).status,
      ).toBe(204)
      expect(
        (
          await call(app(), 'GET', `/v1/organizations/${org.id}/applications/${created.id}`, {
            token: owner.token,
          })
        ).status,
      ).toBe(404)
    })

    it('subscribes to published APIs only (409 api_not_published), once per pair (409 conflict), and cancels', async () => {
      const { owner, org } = await owned()
      const shop = await application(app(), owner.token, org.id)
      const draft = await draftApi(app(), owner.token, org.id, 'Draft', '/draft')
      const notPublished = await call(
        app(),
        'POST',
        `/v1/organizations/${org.id}/applications/${shop.id}/subscriptions`,
        { token: owner.token, body: { apiId: draft.id } },
      )
      expect(notPublished.status).toBe(409)
      expect(notPublished.body.code).toBe('api_not_published')
      const api = await publishedApi(app(), owner.token, org.id)
      const subscribed = await call(
        app(),
        'POST',
        `/v1/organizations/${org.id}/applications/${shop.id}/subscriptions`,
        { token: owner.token, body: { apiId: api.id } },
      )
      expect(subscribed.status).toBe(201)
      expect(subscribed.body).toEqual({
        id: expect.any(String),
        applicationId: shop.id,
        apiId: api.id,
        plan: 'default',
        createdAt: expect.any(String),
      })
      const twice = await call(
        app(),
        'POST',
        `/v1/organizations/${org.id}/applications/${shop.id}/subscriptions`,
        { token: owner.token, body: { apiId: api.id } },
      )
      expect(twice.status).toBe(409)
      expect(twice.body.code).toBe('conflict')
      await must(
        call(app(), 'POST', `/v1/organizations/${org.id}/apis/${api.id}/deprecate`, { token: owner.token }),
        200,
      )
      const other = await application(app(), owner.token, org.id)
      const deprecated = await call(
        app(),
        'POST',
        `/v1/organizations/${org.id}/applications/${other.id}/subscriptions`,
        { token: owner.token, body: { apiId: api.id } },
      )
      expect(deprecated.body.code).toBe('api_not_published')
      expect(
        (
          await call(
            app(),
            'DELETE',
            `/v1/organizations/${org.id}/applications/${shop.id}/subscriptions/${subscribed.body.id}`,
            { token: owner.token },
          )
        ).status,
      ).toBe(204)
      expect(
        (
          await call(app(), 'GET', `/v1/organizations/${org.id}/applications/${shop.id}/subscriptions`, {
            token: owner.token,
          })
        ).body.items,
      ).toEqual([])
    })
  })

  describe('API keys and verification', () => {
    it('shows the secret once; lists show prefix and last four; the gateway verifies it', async () => {
      const { owner, org } = await owned()
      const shop = await application(app(), owner.token, org.id)
      const created = await call(app(), 'POST', `/v1/organizations/${org.id}/applications/${shop.id}/keys`, {
        token: owner.token,
        body: { environment: 'production', name: 'Checkout' },
      })
      expect(created.status).toBe(201)
      const { secret, ...key } = created.body
      expect(secret).toMatch(/^portico_production_[0-9A-Za-z]{38}$/)
      expect(key).toEqual({
        id: expect.any(String),
        name: 'Checkout',
        environment: 'production',
        prefix: secret.slice(0, 'portico_production_'.length + 6),
        last4: secret.slice(-4),
        createdAt: expect.any(String),
        createdBy: owner.user.id,
        lastUsedAt: null,
        expiresAt: null,
      })
      const listed = await call(app(), 'GET', `/v1/organizations/${org.id}/applications/${shop.id}/keys`, {
        token: owner.token,
      })
      expect(listed.body.items).toEqual([key])
      expect(listed.text).not.toContain(secret)
      expect(await verify({ key: secret })).toMatchObject({
        status: 200,
        body: {
          valid: true,
          organizationId: org.id,
          applicationId: shop.id,
          environment: 'production',
          keyId: key.id,
        },
      })
      const stored = await db()
        .selectFrom('api_keys')
        .select('key_hash')
        .where('id', '=', key.id)
        .executeTakeFirstOrThrow()
      expect(stored.key_hash).toMatch(/^[0-9a-f]{64}$/)
      expect(portico.logs.join('')).not.toContain(secret)
    })

    it('answers not_subscribed for an API the application is not subscribed to, valid once it is', async () => {
      const { owner, org } = await owned()
      const api = await publishedApi(app(), owner.token, org.id)
      const shop = await application(app(), owner.token, org.id)
      const { secret } = await apiKey(app(), owner.token, org.id, shop.id)
      expect((await verify({ key: secret, apiId: api.id })).body).toEqual({
        valid: false,
        code: 'not_subscribed',
      })
      await subscribe(app(), owner.token, org.id, shop.id, api.id)
      expect((await verify({ key: secret, apiId: api.id })).body.valid).toBe(true)
      // Deprecation keeps existing subscriptions working.
      await must(
        call(app(), 'POST', `/v1/organizations/${org.id}/apis/${api.id}/deprecate`, { token: owner.token }),
        200,
      )
      expect((await verify({ key: secret, apiId: api.id })).body.valid).toBe(true)
    })

    it('stops verifying a revoked key at once, and keys of a deleted application or organization', async () => {
      const { owner, org } = await owned()
      const shop = await application(app(), owner.token, org.id)
      const revoked = await apiKey(app(), owner.token, org.id, shop.id)
      expect((await verify({ key: revoked.secret })).body.valid).toBe(true)
      await must(
        call(app(), 'DELETE', `/v1/organizations/${org.id}/applications/${shop.id}/keys/${revoked.id}`, {
          token: owner.token,
        }),
        204,
      )
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect((await verify({ key: revoked.secret })).body).toEqual({ valid: false, code: 'revoked' })

      const other = await application(app(), owner.token, org.id)
      const ofApplication = await apiKey(app(), owner.token, org.id, other.id)
      expect((await verify({ key: ofApplication.secret })).body.valid).toBe(true)
      await must(
        call(app(), 'DELETE', `/v1/organizations/${org.id}/applications/${other.id}`, { token: owner.token }),
        204,
      )
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect((await verify({ key: ofApplication.secret })).body).toEqual({ valid: false, code: 'unknown' })

      const third = await application(app(), owner.token, org.id)
      const ofOrganization = await apiKey(app(), owner.token, org.id, third.id)
      expect((await verify({ key: ofOrganization.secret })).body.valid).toBe(true)
      await must(call(app(), 'DELETE', `/v1/organizations/${org.id}`, { token: owner.token }), 204)
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect((await verify({ key: ofOrganization.secret })).body).toEqual({ valid: false, code: 'unknown' })
    })

    // guards: a lookup that read the database before a revocation committed, cached after its
    // invalidation arrived, would keep a revoked key valid for a minute.
    it('does not cache a lookup that raced an invalidation', async () => {
      const { owner, org } = await owned()
      const shop = await application(app(), owner.token, org.id)
      const key = await apiKey(app(), owner.token, org.id, shop.id)
      const inFlight = portico.keyVerifier.verify(key.secret)
      portico.keyVerifier.forget([{ kind: 'keys', id: org.id }])
      expect((await inFlight).ok).toBe(true)
      // Revoked behind the cache's back (its trigger off, so nothing is announced): only a fresh
      // lookup can tell.
      await portico.database.db.transaction().execute(async (tx) => {
        await sql`alter table api_keys disable trigger api_keys_update_keys`.execute(tx)
        await tx
          .updateTable('api_keys')
          .set({ revoked_at: new Date(portico.clock.now().getTime() - 1000) })
          .where('id', '=', key.id)
          .execute()
        await sql`alter table api_keys enable trigger api_keys_update_keys`.execute(tx)
      })
      expect(await portico.keyVerifier.verify(key.secret)).toMatchObject({ ok: false, code: 'revoked' })
    })

    it('stops verifying a key an operator revokes with SQL: the database announces it', async () => {
      const { owner, org } = await owned()
      const shop = await application(app(), owner.token, org.id)
      const key = await apiKey(app(), owner.token, org.id, shop.id)
      expect((await verify({ key: key.secret })).body.valid).toBe(true)
      await portico.database.db
        .updateTable('api_keys')
        .set({ revoked_at: new Date(portico.clock.now().getTime() - 1000) })
        .where('id', '=', key.id)
        .execute()
      let answer = (await verify({ key: key.secret })).body
      for (let waited = 0; answer.valid && waited < 1_000; waited += 5) {
        await new Promise((resolve) => setTimeout(resolve, 5))
        answer = (await verify({ key: key.secret })).body
      }
      expect(answer).toEqual({ valid: false, code: 'revoked' })
    })

    it('expires keys by the clock, cached or not', async () => {
      const { owner, org } = await owned()
      const shop = await application(app(), owner.token, org.id)
      const expiresAt = new Date(portico.clock.now().getTime() + 3600_000).toISOString()
      const { secret } = await must(
        call(app(), 'POST', `/v1/organizations/${org.id}/applications/${shop.id}/keys`, {
          token: owner.token,
          body: { environment: 'development', expiresAt },
        }),
        201,
      )
      expect((await verify({ key: secret })).body.valid).toBe(true)
      portico.clock.advance(3600_000)
      expect((await verify({ key: secret })).body).toEqual({ valid: false, code: 'expired' })
      const past = await call(app(), 'POST', `/v1/organizations/${org.id}/applications/${shop.id}/keys`, {
        token: owner.token,
        body: { environment: 'development', expiresAt: '2000-01-01T00:00:00Z' },
      })
      expect(past.status).toBe(400)
    })

    it('rotates: a new secret; the old one works for the grace period, then not', async () => {
      const { owner, org } = await owned()
      const shop = await application(app(), owner.token, org.id)
      const old = await apiKey(app(), owner.token, org.id, shop.id)
      expect((await verify({ key: old.secret })).body.valid).toBe(true)
      const rotated = await call(
        app(),
        'POST',
        `/v1/organizations/${org.id}/applications/${shop.id}/keys/${old.id}/rotate`,
        { token: owner.token, body: { gracePeriodSeconds: 60 } },
      )
      expect(rotated.status).toBe(201)
      expect(rotated.body.secret).not.toBe(old.secret)
      expect(rotated.body.id).not.toBe(old.id)
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect((await verify({ key: rotated.body.secret })).body.valid).toBe(true)
      expect((await verify({ key: old.secret })).body.valid).toBe(true)
      portico.clock.advance(60_000)
      expect((await verify({ key: old.secret })).body).toEqual({ valid: false, code: 'expired' })
      // Without grace the old key is revoked at once.
      const again = await must(
        call(
          app(),
          'POST',
          `/v1/organizations/${org.id}/applications/${shop.id}/keys/${rotated.body.id}/rotate`,
          { token: owner.token },
        ),
        201,
      )
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect((await verify({ key: rotated.body.secret })).body).toEqual({ valid: false, code: 'revoked' })
      expect((await verify({ key: again.secret })).body.valid).toBe(true)
      const tooLong = await call(
        app(),
        'POST',
        `/v1/organizations/${org.id}/applications/${shop.id}/keys/${again.id}/rotate`,
        { token: owner.token, body: { gracePeriodSeconds: 8 * 24 * 3600 } },
      )
      expect(tooLong.status).toBe(400)
    })

    it('records lastUsedAt in batches, not per request', async () => {
      const { owner, org } = await owned()
      const shop = await application(app(), owner.token, org.id)
      const key = await apiKey(app(), owner.token, org.id, shop.id)
      for (let i = 0; i < 5; i++) await verify({ key: key.secret })
      const before = await db()
        .selectFrom('api_keys')
        .select('last_used_at')
        .where('id', '=', key.id)
        .executeTakeFirstOrThrow()
      expect(before.last_used_at).toBeNull()
      await portico.keyVerifier.flushUses()
      const listed = await call(app(), 'GET', `/v1/organizations/${org.id}/applications/${shop.id}/keys`, {
        token: owner.token,
      })
      expect(listed.body.items[0].lastUsedAt).toBe(portico.clock.now().toISOString())
    })

    it.each([
      ['an empty string', ''],
      ['a wrong prefix', 'sk_live_0123456789abcdef0123456789abcdef012345'],
      ['a bad checksum', 'portico_production_0123456789abcdefABCDEF0123456789zzzzzz'],
      ['non-ASCII', 'portico_production_ÄÖÜ456789abcdefABCDEF0123456789abcdef'],
      ['a huge string', 'x'.repeat(900)],
    ])('answers garbage (%s) with unknown, never a 500', async (_, key) => {
      const answer = await verify({ key })
      expect(answer.status).toBe(200)
      expect(answer.body).toEqual({ valid: false, code: 'unknown' })
    })

    it('refuses verification without a gateway token, or with a wrong one (401)', async () => {
      expect((await verify({ key: 'x' }, 'wrong-token')).status).toBe(401)
      expect((await call(app(), 'POST', '/v1/keys/verify', { body: { key: 'x' } })).status).toBe(401)
      expect((await verify({ key: 'x' }, 'other-token')).status).toBe(200)
    })

    it('keeps a removed member’s keys working: keys belong to the organization', async () => {
      const { owner, org } = await owned()
      const subscriber = await addMember(portico, org.id, ['api-subscriber'])
      const shop = await application(app(), subscriber.token, org.id)
      const key = await apiKey(app(), subscriber.token, org.id, shop.id)
      await must(
        call(app(), 'DELETE', `/v1/organizations/${org.id}/members/${subscriber.user.id}`, {
          token: owner.token,
        }),
        204,
      )
      expect(
        (
          await call(app(), 'GET', `/v1/organizations/${org.id}/applications/${shop.id}`, {
            token: subscriber.token,
          })
        ).status,
      ).toBe(404)
      expect(
        (
          await call(app(), 'GET', `/v1/organizations/${org.id}/applications/${shop.id}/keys`, {
            token: subscriber.token,
          })
        ).status,
      ).toBe(404)
      expect((await verify({ key: key.secret })).body.valid).toBe(true)
    })
  })

  describe('the role matrix', () => {
    type Action = {
      resource: string
      action: string
      permission: string
      run: (ctx: Context, token: string) => Promise<number>
    }
    interface Context {
      orgId: string
      apiId: string
      draftApiId: string
      appId: string
      keyId: string
      subscriptionId: string
      environmentId: string
      spareApiId: string
      spareDraftApiId: string
      spareAppId: string
    }
    const o = (ctx: Context) => `/v1/organizations/${ctx.orgId}`
    const st = async (p: Promise<{ status: number }>) => (await p).status
    const actions: Action[] = [
      {
        resource: 'api',
        action: 'list',
        permission: 'api:read',
        run: (c, t) => st(call(app(), 'GET', `${o(c)}/apis`, { token: t })),
      },
      {
        resource: 'api',
        action: 'create',
        permission: 'api:create',
        run: (c, t) =>
          st(
            call(app(), 'POST', `${o(c)}/apis`, {
              token: t,
              body: {
                name: `N${Math.random()}`,
                version: 'v9',
                basePath: `/n${Date.now()}${Math.floor(Math.random() * 1e6)}`,
              },
            }),
          ),
      },
      {
        resource: 'api',
        action: 'update',
        permission: 'api:update',
        run: (c, t) =>
          st(call(app(), 'PATCH', `${o(c)}/apis/${c.draftApiId}`, { token: t, body: { description: 'x' } })),
      },
      {
        resource: 'api',
        action: 'publish',
        permission: 'api:publish',
        run: (c, t) => st(call(app(), 'POST', `${o(c)}/apis/${c.apiId}/publish`, { token: t })),
      },
      {
        resource: 'environment',
        action: 'list',
        permission: 'environment:read',
        run: (c, t) => st(call(app(), 'GET', `${o(c)}/environments`, { token: t })),
      },
      {
        resource: 'environment',
        action: 'manage',
        permission: 'environment:manage',
        run: (c, t) =>
          st(
            call(app(), 'PATCH', `${o(c)}/environments/${c.environmentId}`, {
              token: t,
              body: { name: 'staging' },
            }),
          ),
      },
      {
        resource: 'application',
        action: 'list',
        permission: 'application:read',
        run: (c, t) => st(call(app(), 'GET', `${o(c)}/applications`, { token: t })),
      },
      {
        resource: 'application',
        action: 'create',
        permission: 'application:create',
        run: (c, t) =>
          st(call(app(), 'POST', `${o(c)}/applications`, { token: t, body: { name: `A${Math.random()}` } })),
      },
      {
        resource: 'application',
        action: 'update',
        permission: 'application:update',
        run: (c, t) =>
          st(
            call(app(), 'PATCH', `${o(c)}/applications/${c.appId}`, { token: t, body: { description: 'y' } }),
          ),
      },
      {
        resource: 'subscription',
        action: 'list',
        permission: 'subscription:read',
        run: (c, t) => st(call(app(), 'GET', `${o(c)}/applications/${c.appId}/subscriptions`, { token: t })),
      },
      {
        resource: 'credential',
        action: 'list',
        permission: 'credential:read',
        run: (c, t) => st(call(app(), 'GET', `${o(c)}/applications/${c.appId}/keys`, { token: t })),
      },
      {
        resource: 'credential',
        action: 'create',
        permission: 'credential:create',
        run: (c, t) =>
          st(
            call(app(), 'POST', `${o(c)}/applications/${c.appId}/keys`, {
              token: t,
              body: { environment: 'development' },
            }),
          ),
      },
      {
        resource: 'environment',
        action: 'create',
        permission: 'environment:manage',
        run: (c, t) =>
          st(
            call(app(), 'POST', `${o(c)}/environments`, {
              token: t,
              body: { name: `e${Math.floor(Math.random() * 1e9)}` },
            }),
          ),
      },
      {
        resource: 'subscription',
        action: 'create',
        permission: 'subscription:create',
        run: (c, t) =>
          st(
            call(app(), 'POST', `${o(c)}/applications/${c.appId}/subscriptions`, {
              token: t,
              body: { apiId: c.spareApiId },
            }),
          ),
      },
      // Destructive actions last, each on a resource of its own.
      {
        resource: 'subscription',
        action: 'delete',
        permission: 'subscription:delete',
        run: (c, t) =>
          st(
            call(app(), 'DELETE', `${o(c)}/applications/${c.appId}/subscriptions/${c.subscriptionId}`, {
              token: t,
            }),
          ),
      },
      {
        resource: 'credential',
        action: 'revoke',
        permission: 'credential:revoke',
        run: (c, t) =>
          st(call(app(), 'DELETE', `${o(c)}/applications/${c.appId}/keys/${c.keyId}`, { token: t })),
      },
      {
        resource: 'api',
        action: 'deprecate',
        permission: 'api:publish',
        run: (c, t) => st(call(app(), 'POST', `${o(c)}/apis/${c.spareApiId}/deprecate`, { token: t })),
      },
      {
        resource: 'api',
        action: 'delete',
        permission: 'api:delete',
        run: (c, t) => st(call(app(), 'DELETE', `${o(c)}/apis/${c.spareDraftApiId}`, { token: t })),
      },
      {
        resource: 'application',
        action: 'delete',
        permission: 'application:delete',
        run: (c, t) => st(call(app(), 'DELETE', `${o(c)}/applications/${c.spareAppId}`, { token: t })),
      },
    ]
    const portalWork = [
      'application:read',
      'application:create',
      'application:update',
      'application:delete',
      'subscription:read',
      'subscription:create',
      'subscription:delete',
      'credential:read',
      'credential:create',
      'credential:revoke',
    ]
    const expectations: Record<RoleName, string[]> = {
      owner: actions.map((a) => a.permission),
      admin: actions.map((a) => a.permission),
      member: ['api:read', 'environment:read', 'application:read', 'subscription:read', 'credential:read'],
      'api-publisher': [
        'api:read',
        'api:create',
        'api:update',
        'api:publish',
        'api:delete',
        'environment:read',
      ],
      'api-subscriber': ['api:read', 'environment:read', ...portalWork],
      developer: ['api:read', 'environment:read'],
      'environment-manager': ['environment:read', 'environment:manage'],
      'billing-admin': [],
      'external-api-subscriber': ['api:read', ...portalWork],
    }

    it.each(Object.entries(expectations))(
      '%s may do exactly what its permissions say',
      async (role, allowed) => {
        const { owner, org } = await owned(`Matrix ${role}`)
        const person = await addMember(portico, org.id, [role as RoleName])
        // An external API subscriber works with the applications they created only.
        const creator = role === 'external-api-subscriber' ? person : owner
        const api = await publishedApi(app(), owner.token, org.id)
        const draft = await draftApi(app(), owner.token, org.id, 'Draft', '/draft')
        const shop = await application(app(), creator.token, org.id)
        const key = await apiKey(app(), owner.token, org.id, shop.id)
        const subscription = await subscribe(app(), owner.token, org.id, shop.id, api.id)
        const environment = await must(
          call(app(), 'POST', `/v1/organizations/${org.id}/environments`, {
            token: owner.token,
            body: { name: 'qa' },
          }),
          201,
        )
        const spareApi = await publishedApi(app(), owner.token, org.id)
        const spareDraft = await draftApi(app(), owner.token, org.id, 'Spare', '/spare')
        const spareApp = await application(app(), creator.token, org.id)
        const ctx: Context = {
          orgId: org.id,
          apiId: api.id,
          draftApiId: draft.id,
          appId: shop.id,
          keyId: key.id,
          subscriptionId: subscription.id,
          environmentId: environment.id,
          spareApiId: spareApi.id,
          spareDraftApiId: spareDraft.id,
          spareAppId: spareApp.id,
        }
        for (const action of actions) {
          const status = await action.run(ctx, person.token)
          if (allowed.includes(action.permission))
            expect([200, 201, 204], `${role} ${action.resource}:${action.action}`).toContain(status)
          else expect(status, `${role} ${action.resource}:${action.action}`).toBe(403)
        }
      },
    )
  })

  describe('security', () => {
    it('answers 404 for another organization’s application, key and API through this one’s path, leaving them unchanged', async () => {
      // guards: cross-organization resource access
      const a = await owned('Tenant A')
      const b = await owned('Tenant B')
      const apiOfB = await publishedApi(app(), b.owner.token, b.org.id)
      const appOfB = await application(app(), b.owner.token, b.org.id)
      const keyOfB = await apiKey(app(), b.owner.token, b.org.id, appOfB.id)
      const appOfA = await application(app(), a.owner.token, a.org.id)
      const base = `/v1/organizations/${a.org.id}`
      const attempts = [
        call(app(), 'GET', `${base}/applications/${appOfB.id}`, { token: a.owner.token }),
        call(app(), 'PATCH', `${base}/applications/${appOfB.id}`, {
          token: a.owner.token,
          body: { name: 'Stolen' },
        }),
        call(app(), 'DELETE', `${base}/applications/${appOfB.id}`, { token: a.owner.token }),
        call(app(), 'GET', `${base}/applications/${appOfB.id}/keys`, { token: a.owner.token }),
        call(app(), 'POST', `${base}/applications/${appOfB.id}/keys/${keyOfB.id}/rotate`, {
          token: a.owner.token,
        }),
        call(app(), 'DELETE', `${base}/applications/${appOfB.id}/keys/${keyOfB.id}`, {
          token: a.owner.token,
        }),
        call(app(), 'DELETE', `${base}/applications/${appOfA.id}/keys/${keyOfB.id}`, {
          token: a.owner.token,
        }),
        call(app(), 'GET', `${base}/apis/${apiOfB.id}`, { token: a.owner.token }),
        call(app(), 'DELETE', `${base}/apis/${apiOfB.id}`, { token: a.owner.token }),
        call(app(), 'POST', `${base}/applications/${appOfA.id}/subscriptions`, {
          token: a.owner.token,
          body: { apiId: apiOfB.id },
        }),
      ]
      for (const answer of await Promise.all(attempts)) expect(answer.status).toBe(404)
      expect(
        (
          await call(app(), 'GET', `/v1/organizations/${b.org.id}/applications/${appOfB.id}`, {
            token: b.owner.token,
          })
        ).body.name,
      ).toBe(appOfB.name)
      expect((await verify({ key: keyOfB.secret })).body.valid).toBe(true)
      expect(
        (
          await call(app(), 'GET', `/v1/organizations/${b.org.id}/apis/${apiOfB.id}`, {
            token: b.owner.token,
          })
        ).status,
      ).toBe(200)
    })

    it('refuses mass assignment of ids, statuses and owners', async () => {
      const { owner, org } = await owned()
      const attempts = [
        call(app(), 'POST', `/v1/organizations/${org.id}/apis`, {
          token: owner.token,
          body: { name: 'X', version: 'v1', basePath: '/x', status: 'published' },
        }),
        call(app(), 'POST', `/v1/organizations/${org.id}/applications`, {
          token: owner.token,
          body: { name: 'X', createdBy: owner.user.id },
        }),
        call(app(), 'POST', `/v1/organizations/${org.id}/applications`, {
          token: owner.token,
          body: { name: 'Y', id: '00000000-0000-4000-8000-000000000000' },
        }),
      ]
      for (const answer of await Promise.all(attempts)) expect(answer.status).toBe(400)
    })
  })
})
