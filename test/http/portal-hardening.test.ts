// Regression tests of issue 12 ("what an attacker tried, and what Portico must answer instead"),
// on PGlite and PostgreSQL: environment renames that relabelled keys, inputs that answered 500,
// rotations that handed a grace deadline on, and names and paths that read as something else.
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databases } from '../helpers/databases.ts'
import { call, signUp, uniqueEmail } from '../helpers/http.ts'
import { addMember, createOrganization, type Person } from '../helpers/organizations.ts'
import { apiKey, application, draftApi, must, publishedApi, subscribe } from '../helpers/portal.ts'
import { startTestPortico, type TestPortico } from '../helpers/test-portico.ts'

const GATEWAY_TOKEN = 'gateway-secret-for-tests'
const DAY_MS = 24 * 3600 * 1000

describe.each(databases)('portal hardening on %s', (databaseName) => {
  let portico: TestPortico
  beforeAll(async () => {
    portico = await startTestPortico(databaseName, {
      // Webhooks may target loopback here: the cursor test lists a webhook's deliveries.
      env: { ORG_CREATION_LIMIT: '0', GATEWAY_TOKEN, WEBHOOK_ALLOW_PRIVATE: 'on' },
    })
  })
  afterAll(async () => {
    await portico?.close()
  })
  const app = () => portico.app
  const db = () => portico.database.db
  const verify = async (body: unknown) =>
    (await call(app(), 'POST', '/v1/keys/verify', { token: GATEWAY_TOKEN, body })).body

  async function owned(name = 'Hardening Org') {
    const owner = (await signUp(app())) as Person
    const org = await createOrganization(app(), owner, name)
    return { owner, org }
  }

  async function environmentsOf(org: { id: string }, token: string): Promise<Record<string, string>> {
    const listed = await must(call(app(), 'GET', `/v1/organizations/${org.id}/environments`, { token }), 200)
    return Object.fromEntries(listed.items.map((e: { id: string; name: string }) => [e.name, e.id]))
  }

  async function keyRows(organizationId: string) {
    return db().selectFrom('api_keys').select(['id']).where('organization_id', '=', organizationId).execute()
  }

  describe('a key keeps the environment it was issued for', () => {
    // guards: an environment-manager relabelling every development key as production by renames
    it('refuses renaming an environment with live keys (409 conflict), like deleting it', async () => {
      const { owner, org } = await owned()
      const manager = await addMember(portico, org.id, ['environment-manager'])
      const shop = await application(app(), owner.token, org.id)
      const development = await apiKey(app(), owner.token, org.id, shop.id, 'development')
      const production = await apiKey(app(), owner.token, org.id, shop.id, 'production')
      const ids = await environmentsOf(org, owner.token)
      for (const [id, name] of [
        [ids.production, 'legacy'],
        [ids.development, 'production'],
      ]) {
        const renamed = await call(app(), 'PATCH', `/v1/organizations/${org.id}/environments/${id}`, {
          token: manager.token,
          body: { name },
        })
        expect(renamed.status).toBe(409)
        expect(renamed.body.code).toBe('conflict')
      }
      expect(await environmentsOf(org, owner.token)).toEqual(ids)
      expect(await verify({ key: development.secret })).toMatchObject({
        valid: true,
        environment: 'development',
      })
      expect(await verify({ key: production.secret })).toMatchObject({
        valid: true,
        environment: 'production',
      })

      // Once its keys are revoked, the environment may be renamed; a no-op rename is always fine.
      expect(
        (
          await call(app(), 'PATCH', `/v1/organizations/${org.id}/environments/${ids.development}`, {
            token: manager.token,
            body: { name: 'development' },
          })
        ).status,
      ).toBe(200)
      await must(
        call(app(), 'DELETE', `/v1/organizations/${org.id}/applications/${shop.id}/keys/${development.id}`, {
          token: owner.token,
        }),
        204,
      )
      const renamed = await call(
        app(),
        'PATCH',
        `/v1/organizations/${org.id}/environments/${ids.development}`,
        {
          token: manager.token,
          body: { name: 'sandbox' },
        },
      )
      expect(renamed.status).toBe(200)
      expect(renamed.body.name).toBe('sandbox')
    })

    // guards: verification answering the environment's current name instead of the key's own
    it('answers the environment written into the key, and refuses a key whose row names another', async () => {
      const { owner, org } = await owned()
      const shop = await application(app(), owner.token, org.id)
      const development = await apiKey(app(), owner.token, org.id, shop.id, 'development')
      // An operator relabels behind Portico's back (before the key is first verified, so that no
      // cache is involved): production away, development to production.
      const ids = await environmentsOf(org, owner.token)
      await db()
        .updateTable('environments')
        .set({ name: 'legacy' })
        .where('id', '=', ids.production as string)
        .execute()
      await db()
        .updateTable('environments')
        .set({ name: 'production' })
        .where('id', '=', ids.development as string)
        .execute()
      expect(await verify({ key: development.secret })).toEqual({ valid: false, code: 'wrong_environment' })
      // Nor can the relabelled key be rotated into a key of the new name.
      const rotated = await call(
        app(),
        'POST',
        `/v1/organizations/${org.id}/applications/${shop.id}/keys/${development.id}/rotate`,
        { token: owner.token },
      )
      expect(rotated.status).toBe(409)
      expect(rotated.body.code).toBe('conflict')
      expect(await keyRows(org.id)).toHaveLength(1)
    })

    it('answers wrong_environment to a gateway serving another environment (or an unknown one)', async () => {
      const { owner, org } = await owned()
      const api = await publishedApi(app(), owner.token, org.id)
      const shop = await application(app(), owner.token, org.id)
      await subscribe(app(), owner.token, org.id, shop.id, api.id)
      const { secret } = await apiKey(app(), owner.token, org.id, shop.id, 'development')
      expect(await verify({ key: secret, environment: 'development', apiId: api.id })).toMatchObject({
        valid: true,
        environment: 'development',
      })
      for (const environment of ['production', 'nowhere', '']) {
        expect(await verify({ key: secret, environment })).toEqual({
          valid: false,
          code: 'wrong_environment',
        })
      }
    })
  })

  describe("an external API subscriber's environments (issue 16)", () => {
    // guards: a key for an environment the organization never showed an external developer
    it('issues keys in development and production only, and answers any other as one that does not exist', async () => {
      const { owner, org } = await owned('External Environments')
      const external = await addMember(portico, org.id, ['external-api-subscriber'])
      await must(
        call(app(), 'POST', `/v1/organizations/${org.id}/environments`, {
          token: owner.token,
          body: { name: 'internal-qa' },
        }),
        201,
      )
      const own = await application(app(), external.token, org.id)
      const keys = `/v1/organizations/${org.id}/applications/${own.id}/keys`
      for (const environment of ['development', 'production']) {
        const created = await call(app(), 'POST', keys, { token: external.token, body: { environment } })
        expect(created.status, environment).toBe(201)
        expect(created.body.environment).toBe(environment)
      }
      const refusals = []
      for (const environment of ['internal-qa', 'no-such-environment']) {
        const refused = await call(app(), 'POST', keys, { token: external.token, body: { environment } })
        refusals.push({ status: refused.status, code: refused.body.code, errors: refused.body.errors })
      }
      const unknown = {
        status: 400,
        code: 'validation_failed',
        errors: [{ in: 'body', path: '/environment', message: 'names no environment of this organization' }],
      }
      expect(refusals).toEqual([unknown, unknown])
      const listed = await must(call(app(), 'GET', keys, { token: external.token }), 200)
      expect(listed.items.map((key: { environment: string }) => key.environment).sort()).toEqual([
        'development',
        'production',
      ])
      // The environment list itself stays refused to them (DESIGN.md gives them no environment:read).
      const environments = await call(app(), 'GET', `/v1/organizations/${org.id}/environments`, {
        token: external.token,
      })
      expect(environments.status).toBe(403)
      expect(environments.body.permission).toBe('environment:read')
      // Everyone else issues keys in any of the organization's environments.
      const shop = await application(app(), owner.token, org.id)
      await apiKey(app(), owner.token, org.id, shop.id, 'internal-qa')
    })
  })

  describe('inputs that answered 500', () => {
    // guards: forged cursors the cursor check accepted and the database then refused (500)
    it('refuses forged cursors on every list route with 400 validation_failed', async () => {
      const { owner, org } = await owned()
      const shop = await application(app(), owner.token, org.id)
      const hook = await must(
        call(app(), 'POST', `/v1/organizations/${org.id}/webhooks`, {
          token: owner.token,
          body: { url: 'http://127.0.0.1:9/hook', events: ['*'] },
        }),
        201,
      )
      const document = app().swagger() as unknown as {
        paths: Record<string, Record<string, { parameters?: { in: string; name: string }[] }>>
      }
      const listRoutes = Object.entries(document.paths)
        .filter(([, operations]) =>
          operations.get?.parameters?.some((p) => p.in === 'query' && p.name === 'cursor'),
        )
        .map(([path]) =>
          path.replace('{org}', org.id).replace('{id}', path.includes('/webhooks/') ? hook.id : shop.id),
        )
      expect(listRoutes.length).toBeGreaterThanOrEqual(5)
      const cursorOf = (parts: unknown[]) => Buffer.from(JSON.stringify(parts)).toString('base64url')
      const uuid = '00000000-0000-4000-8000-000000000000'
      const forged = [
        cursorOf(['2026-01-01T00:00:00.000Z', '------------------------------------']),
        cursorOf(['2026-01-01T00:00:00.000Z', 'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz']),
        cursorOf(['-271821-04-20T00:00:00.000Z', uuid]),
        cursorOf(['+275760-09-13T00:00:00.000Z', uuid]),
        cursorOf(['2026-01-01', uuid]),
        cursorOf(['2026-01-01T00:00:00.000Z', `${uuid}\u0000`]),
        'not base64 at all!',
      ]
      for (const path of listRoutes) {
        for (const cursor of forged) {
          const answer = await call(app(), 'GET', `${path}?cursor=${encodeURIComponent(cursor)}`, {
            token: owner.token,
          })
          expect({ path, cursor, status: answer.status, body: answer.body }).toEqual({
            path,
            cursor,
            status: 400,
            body: expect.objectContaining({
              code: 'validation_failed',
              errors: [{ in: 'query', path: '/cursor', message: expect.any(String) }],
            }),
          })
        }
      }
    })

    // guards: NUL characters that PostgreSQL refuses in text reaching a query (500)
    it('refuses NUL in q, {org}, organizationId, names and descriptions, and changes nothing', async () => {
      const { owner, org } = await owned()
      const members = await call(app(), 'GET', `/v1/organizations/${org.id}/members?q=a%00b`, {
        token: owner.token,
      })
      expect(members.status).toBe(400)
      expect(members.body.errors).toEqual([{ in: 'query', path: '/q', message: expect.any(String) }])

      for (const ref of ['%00', 'acme%00corp', `${org.id}%00`]) {
        const answer = await call(app(), 'GET', `/v1/organizations/${ref}/members`, { token: owner.token })
        expect(answer.status).toBe(400)
        expect(answer.body.errors).toEqual([{ in: 'params', path: '/org', message: expect.any(String) }])
      }

      const switched = await call(app(), 'PUT', '/v1/me/active-organization', {
        token: owner.token,
        body: { organizationId: `${org.handle}\u0000` },
      })
      expect(switched.status).toBe(400)
      expect(switched.body.errors).toEqual([
        { in: 'body', path: '/organizationId', message: expect.any(String) },
      ])

      const writes: [string, string, unknown, string][] = [
        [
          'POST',
          `/v1/organizations/${org.id}/applications`,
          { name: 'Shop', description: 'a\u0000b' },
          '/description',
        ],
        ['POST', `/v1/organizations/${org.id}/applications`, { name: 'Sh\u0000op' }, '/name'],
        [
          'POST',
          `/v1/organizations/${org.id}/apis`,
          { name: 'Pay', version: 'v1', basePath: '/pay', description: '\u0000' },
          '/description',
        ],
        ['PATCH', `/v1/organizations/${org.id}`, { name: 'Acme\u0000' }, '/name'],
        ['POST', '/v1/organizations', { name: 'New\u0000Org' }, '/name'],
        [
          'POST',
          '/v1/auth/sign-in',
          { email: `a\u0000${uniqueEmail()}`, password: 'whatever it is' },
          '/email',
        ],
        ['POST', '/v1/auth/password-reset', { email: `\u0000${uniqueEmail()}` }, '/email'],
      ]
      for (const [method, url, body, field] of writes) {
        const answer = await call(app(), method as 'POST', url, { token: owner.token, body })
        expect({ url, status: answer.status, code: answer.body.code }).toEqual({
          url,
          status: 400,
          code: 'validation_failed',
        })
        expect(answer.body.errors).toContainEqual({ in: 'body', path: field, message: expect.any(String) })
      }
      const applications = await call(app(), 'GET', `/v1/organizations/${org.id}/applications`, {
        token: owner.token,
      })
      expect(applications.body.items).toEqual([])
      const apis = await call(app(), 'GET', `/v1/organizations/${org.id}/apis`, { token: owner.token })
      expect(apis.body.items).toEqual([])
      const organization = await call(app(), 'GET', `/v1/organizations/${org.id}`, { token: owner.token })
      expect(organization.body.name).toBe('Hardening Org')
    })

    // guards: a leap second that the date-time format accepts and Date cannot hold (500)
    it('refuses a leap-second or impossible expiresAt with 400, creating no key', async () => {
      const { owner, org } = await owned()
      const shop = await application(app(), owner.token, org.id)
      for (const expiresAt of ['2030-12-31T23:59:60Z', '2031-02-29T00:00:00Z']) {
        const answer = await call(app(), 'POST', `/v1/organizations/${org.id}/applications/${shop.id}/keys`, {
          token: owner.token,
          body: { environment: 'production', expiresAt },
        })
        expect(answer.status).toBe(400)
        expect(answer.body.code).toBe('validation_failed')
        expect(answer.body.errors).toEqual([{ in: 'body', path: '/expiresAt', message: expect.any(String) }])
      }
      expect(await keyRows(org.id)).toEqual([])
    })

    // guards: a key created while its environment is deleted ending in a foreign-key error (500)
    it('answers a key creation that loses a race with its environment’s deletion with 400', async () => {
      const { owner, org } = await owned()
      const shop = await application(app(), owner.token, org.id)
      const staging = await must(
        call(app(), 'POST', `/v1/organizations/${org.id}/environments`, {
          token: owner.token,
          body: { name: 'staging' },
        }),
        201,
      )
      const create = () =>
        call(app(), 'POST', `/v1/organizations/${org.id}/applications/${shop.id}/keys`, {
          token: owner.token,
          body: { environment: 'staging' },
        })
      if (!portico.database.url) {
        // PGlite runs one transaction at a time: the deletion is simply first.
        await must(
          call(app(), 'DELETE', `/v1/organizations/${org.id}/environments/${staging.id}`, {
            token: owner.token,
          }),
          204,
        )
        const answer = await create()
        expect(answer.status).toBe(400)
        expect(answer.body.errors).toEqual([
          { in: 'body', path: '/environment', message: expect.any(String) },
        ])
        return
      }
      // PostgreSQL: the deletion holds its row when the creation arrives, and commits while the
      // creation waits for it.
      const deleter = new pg.Client({ connectionString: portico.database.url })
      const watcher = new pg.Client({ connectionString: portico.database.url })
      await deleter.connect()
      await watcher.connect()
      try {
        await deleter.query('begin')
        await deleter.query('delete from environments where organization_id = $1 and id = $2', [
          org.id,
          staging.id,
        ])
        const pending = create()
        // Wait (no timing assumption) until the creation is blocked on the deleter's lock.
        for (;;) {
          const waiting = await watcher.query(
            `select count(*)::int as n from pg_stat_activity
             where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()`,
          )
          if (waiting.rows[0].n > 0) break
          await new Promise((resolve) => setImmediate(resolve))
        }
        await deleter.query('commit')
        const answer = await pending
        expect(answer.status).toBe(400)
        expect(answer.body.errors).toEqual([
          { in: 'body', path: '/environment', message: expect.any(String) },
        ])
      } finally {
        await deleter.end()
        await watcher.end()
      }
      expect(await keyRows(org.id)).toEqual([])
    })
  })

  describe('rotation during grace', () => {
    const keysPath = (org: { id: string }, shop: { id: string }) =>
      `/v1/organizations/${org.id}/applications/${shop.id}/keys`
    const rotate = (
      org: { id: string },
      shop: { id: string },
      token: string,
      keyId: string,
      body?: unknown,
    ) => call(app(), 'POST', `${keysPath(org, shop)}/${keyId}/rotate`, { token, body })

    // guards: a key rotated during its grace period inheriting the grace deadline as its lifetime
    it('gives the new key the lifetime the old one was issued with, never its grace deadline', async () => {
      const { owner, org } = await owned()
      const shop = await application(app(), owner.token, org.id)
      const lifetime = new Date(portico.clock.now().getTime() + 30 * DAY_MS).toISOString()
      const first = await must(
        call(app(), 'POST', keysPath(org, shop), {
          token: owner.token,
          body: { environment: 'production', expiresAt: lifetime },
        }),
        201,
      )
      const second = await must(rotate(org, shop, owner.token, first.id, { gracePeriodSeconds: 3600 }), 201)
      expect(second.expiresAt).toBe(lifetime)
      // The first key is in its grace period: rotated again, its successor still lives 30 days.
      const third = await must(rotate(org, shop, owner.token, first.id, { gracePeriodSeconds: 60 }), 201)
      expect(third.expiresAt).toBe(lifetime)

      const unlimited = await apiKey(app(), owner.token, org.id, shop.id)
      await must(rotate(org, shop, owner.token, unlimited.id, { gracePeriodSeconds: 3600 }), 201)
      const again = await must(rotate(org, shop, owner.token, unlimited.id), 201)
      expect(again.expiresAt).toBeNull()
      expect((await verify({ key: again.secret })).valid).toBe(true)
    })

    it('gives the new key the expiresAt the rotation asks for', async () => {
      const { owner, org } = await owned()
      const shop = await application(app(), owner.token, org.id)
      const key = await apiKey(app(), owner.token, org.id, shop.id)
      const expiresAt = new Date(portico.clock.now().getTime() + 7 * DAY_MS).toISOString()
      const rotated = await must(rotate(org, shop, owner.token, key.id, { expiresAt }), 201)
      expect(rotated.expiresAt).toBe(expiresAt)
      const past = await rotate(org, shop, owner.token, rotated.id, {
        expiresAt: new Date(portico.clock.now().getTime() - 1000).toISOString(),
      })
      expect(past.status).toBe(400)
      expect(past.body.errors).toEqual([{ in: 'body', path: '/expiresAt', message: 'must be in the future' }])
    })

    // guards: expired and revoked keys rotated back to life
    it('refuses rotating an expired or revoked key (409 conflict), issuing nothing', async () => {
      const { owner, org } = await owned()
      const shop = await application(app(), owner.token, org.id)
      const graced = await apiKey(app(), owner.token, org.id, shop.id)
      await must(rotate(org, shop, owner.token, graced.id, { gracePeriodSeconds: 60 }), 201)
      const short = await must(
        call(app(), 'POST', keysPath(org, shop), {
          token: owner.token,
          body: {
            environment: 'production',
            expiresAt: new Date(portico.clock.now().getTime() + 1000).toISOString(),
          },
        }),
        201,
      )
      const revoked = await apiKey(app(), owner.token, org.id, shop.id)
      await must(call(app(), 'DELETE', `${keysPath(org, shop)}/${revoked.id}`, { token: owner.token }), 204)
      portico.clock.advance(61_000)
      const before = await keyRows(org.id)
      for (const key of [graced, short, revoked]) {
        const answer = await rotate(org, shop, owner.token, key.id)
        expect({ key: key.id, status: answer.status, code: answer.body.code }).toEqual({
          key: key.id,
          status: 409,
          code: 'conflict',
        })
      }
      expect(await keyRows(org.id)).toHaveLength(before.length)
    })
  })

  describe('names, handles and base paths', () => {
    // guards: names that reorder what follows them (bidi overrides) or show nothing at all
    it('refuses names with bidirectional controls or no visible character, naming the field', async () => {
      const { owner, org } = await owned()
      const bad = [
        'Acme\u202Egnp.exe',
        '\u2066Acme\u2069',
        '\u200B\u200B',
        ' \u3164 ',
        '\u00A0\u2000',
        '\u0301',
      ]
      for (const name of bad) {
        const calls: [string, string, unknown][] = [
          ['POST', '/v1/organizations', { name }],
          ['PATCH', `/v1/organizations/${org.id}`, { name }],
          ['POST', `/v1/organizations/${org.id}/applications`, { name }],
          ['POST', `/v1/organizations/${org.id}/apis`, { name, version: 'v1', basePath: '/pay' }],
        ]
        for (const [method, url, body] of calls) {
          const answer = await call(app(), method as 'POST', url, { token: owner.token, body })
          expect({ name, url, status: answer.status, errors: answer.body.errors }).toEqual({
            name,
            url,
            status: 400,
            errors: [{ in: 'body', path: '/name', message: expect.any(String) }],
          })
        }
        const signUpAnswer = await call(app(), 'POST', '/v1/auth/sign-up', {
          body: { email: uniqueEmail(), password: 'correct horse battery', name },
        })
        expect(signUpAnswer.status).toBe(400)
        expect(signUpAnswer.body.errors).toEqual([{ in: 'body', path: '/name', message: expect.any(String) }])
      }
      // Right-to-left names and marks with a base character remain welcome.
      for (const name of ['مؤسسة أكمي', 'Café Crème', 'Zoë\u200D👩‍💻']) {
        expect(
          (
            await call(app(), 'POST', `/v1/organizations/${org.id}/applications`, {
              token: owner.token,
              body: { name },
            })
          ).status,
        ).toBe(201)
      }
    })

    // guards: a UUID-shaped handle, which `{org}` would read as an ID and so never reach
    it('refuses a handle shaped like a UUID', async () => {
      const { owner } = await owned()
      const answer = await call(app(), 'POST', '/v1/organizations', {
        token: owner.token,
        body: { name: 'Sneaky', handle: 'abcdef01-2345-6789-abcd-ef0123456789' },
      })
      expect(answer.status).toBe(400)
      expect(answer.body.errors).toEqual([{ in: 'body', path: '/handle', message: expect.any(String) }])
    })

    // guards: base paths a gateway could never match as written (dot-segments, empty segments, escapes)
    it('refuses base paths that are not /segment(/segment)* of a-z 0-9 - _ . ~', async () => {
      const { owner, org } = await owned()
      const api = await draftApi(app(), owner.token, org.id, 'Orders', '/orders')
      for (const basePath of [
        '/',
        '/a//b',
        '/a/',
        '/a/../b',
        '/./a',
        '/..',
        '/%2e%2e',
        '/pay%20v1',
        '/Pay',
        'pay',
        '/a b',
      ]) {
        const created = await call(app(), 'POST', `/v1/organizations/${org.id}/apis`, {
          token: owner.token,
          body: { name: 'Pay', version: 'v1', basePath },
        })
        const patched = await call(app(), 'PATCH', `/v1/organizations/${org.id}/apis/${api.id}`, {
          token: owner.token,
          body: { basePath },
        })
        for (const answer of [created, patched]) {
          expect({ basePath, status: answer.status, errors: answer.body.errors }).toEqual({
            basePath,
            status: 400,
            errors: [{ in: 'body', path: '/basePath', message: expect.any(String) }],
          })
        }
      }
      const unchanged = await call(app(), 'GET', `/v1/organizations/${org.id}/apis/${api.id}`, {
        token: owner.token,
      })
      expect(unchanged.body.basePath).toBe('/orders')
      for (const basePath of ['/pay/v1', '/a.b/~c_d-e', '/...']) {
        expect(
          (
            await call(app(), 'POST', `/v1/organizations/${org.id}/apis`, {
              token: owner.token,
              body: { name: `Pay ${basePath}`, version: 'v1', basePath },
            })
          ).status,
        ).toBe(201)
      }
    })
  })
})
