// Black-box tests of API.md "Gateways" and "Plans, rate limits and usage" on PGlite and PostgreSQL:
// GET /v1/gateway/authorize (headers in, status and X-Portico-* out), POST /v1/keys/verify with
// apiId, environment and plans, an API's plans, and an application's usage.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databases } from '../helpers/databases.ts'
import { call, signUp } from '../helpers/http.ts'
import { addMember, createOrganization, type Person } from '../helpers/organizations.ts'
import { apiKey, application, draftApi, must, publishedApi } from '../helpers/portal.ts'
import { startTestPortico, type TestPortico } from '../helpers/test-portico.ts'

const GATEWAY_TOKEN = 'gateway-token-for-tests'

describe.each(databases)('gateways, plans and usage on %s', (databaseName) => {
  let portico: TestPortico
  beforeAll(async () => {
    portico = await startTestPortico(databaseName, {
      env: { ORG_CREATION_LIMIT: '0', GATEWAY_TOKEN, RATE_LIMIT: 'off' },
    })
  })
  afterAll(async () => {
    await portico?.close()
  })
  const app = () => portico.app

  const authorize = (headers: Record<string, string>) =>
    app().inject({
      method: 'GET',
      url: '/v1/gateway/authorize',
      headers: { 'x-gateway-token': GATEWAY_TOKEN, ...headers },
    })
  const verify = (body: unknown) => call(app(), 'POST', '/v1/keys/verify', { token: GATEWAY_TOKEN, body })
  const plans = (owner: Person, orgId: string, apiId: string, items?: unknown[]) =>
    items === undefined
      ? call(app(), 'GET', `/v1/organizations/${orgId}/apis/${apiId}/plans`, { token: owner.token })
      : call(app(), 'PUT', `/v1/organizations/${orgId}/apis/${apiId}/plans`, {
          token: owner.token,
          body: { items },
        })

  /** An organization with a published API at /pay-N/v1, an application subscribed to it (plan given), and a production key. */
  async function setUp(plan?: { name: string; requestsPerMinute?: number; requestsPerDay?: number }) {
    const owner = (await signUp(app())) as Person
    const org = await createOrganization(app(), owner, 'Gateway Org')
    const api = await publishedApi(app(), owner.token, org.id)
    if (plan) await must(plans(owner, org.id, api.id, [{ title: 'A plan', ...plan }]), 200)
    const shop = await application(app(), owner.token, org.id)
    const subscription = await must(
      call(app(), 'POST', `/v1/organizations/${org.id}/applications/${shop.id}/subscriptions`, {
        token: owner.token,
        body: plan ? { apiId: api.id, plan: plan.name } : { apiId: api.id },
      }),
      201,
    )
    const key = await apiKey(app(), owner.token, org.id, shop.id)
    const path = `${api.basePath}/${api.version}`
    return { owner, org, api, shop, subscription, key, path }
  }

  describe('GET /v1/gateway/authorize', () => {
    it('lets a valid key through with the identity headers (nginx and Caddy header names)', async () => {
      const { org, api, shop, key, path } = await setUp()
      const nginx = await authorize({
        'x-api-key': key.secret,
        'x-original-uri': `${path}/charges?x=1`,
        'x-original-method': 'POST',
      })
      expect(nginx.statusCode).toBe(200)
      expect(nginx.headers).toMatchObject({
        'x-portico-organization-id': org.id,
        'x-portico-developer-id': org.id,
        'x-portico-application-id': shop.id,
        'x-portico-key-id': key.id,
        'x-portico-environment': 'production',
        'x-portico-api-id': api.id,
      })
      expect(nginx.headers['ratelimit-limit']).toBeUndefined()
      // Everything is in the headers: no body (so nginx keeps its connection to Portico open).
      expect([nginx.body, nginx.headers['content-length'], nginx.headers['content-type']]).toEqual([
        '',
        '0',
        undefined,
      ])
      const caddy = await authorize({
        authorization: `Bearer ${key.secret}`,
        'x-forwarded-uri': path,
        'x-forwarded-method': 'GET',
      })
      expect(caddy.statusCode).toBe(200)
      expect(caddy.headers['x-portico-api-id']).toBe(api.id)
    })

    it('reads the key from X-API-Key, then apikey, then Authorization', async () => {
      const { key, path } = await setUp()
      const uri = { 'x-original-uri': path }
      expect((await authorize({ ...uri, apikey: key.secret })).statusCode).toBe(200)
      const first = await authorize({ ...uri, 'x-api-key': 'portico_production_wrong', apikey: key.secret })
      expect([first.statusCode, first.headers['x-portico-code']]).toEqual([401, 'unknown'])
      const second = await authorize({ ...uri, apikey: key.secret, authorization: 'Bearer nonsense' })
      expect(second.statusCode).toBe(200)
      const third = await authorize({ ...uri, apikey: 'nonsense', authorization: `Bearer ${key.secret}` })
      expect(third.headers['x-portico-code']).toBe('unknown')
    })

    it('refuses without the gateway token (401 unauthenticated), whatever the key', async () => {
      const { key, path } = await setUp()
      for (const token of [undefined, 'wrong']) {
        const answer = await app().inject({
          method: 'GET',
          url: '/v1/gateway/authorize',
          headers: {
            ...(token ? { 'x-gateway-token': token } : {}),
            'x-api-key': key.secret,
            'x-original-uri': path,
          },
        })
        expect(answer.statusCode).toBe(401)
        expect(answer.json()).toMatchObject({ status: 401, code: 'unauthenticated' })
        expect(answer.headers['x-portico-code']).toBe('unauthenticated')
        expect(answer.headers['x-portico-organization-id']).toBeUndefined()
      }
    })

    it('answers each refusal with its status, code, X-Portico-Code and no identity headers', async () => {
      const { owner, org, shop, key, path } = await setUp()
      const other = await publishedApi(app(), owner.token, org.id)
      const draft = await draftApi(app(), owner.token, org.id)
      const revoked = await apiKey(app(), owner.token, org.id, shop.id)
      await must(
        call(app(), 'DELETE', `/v1/organizations/${org.id}/applications/${shop.id}/keys/${revoked.id}`, {
          token: owner.token,
        }),
        204,
      )
      const expired = await must(
        call(app(), 'POST', `/v1/organizations/${org.id}/applications/${shop.id}/keys`, {
          token: owner.token,
          body: {
            environment: 'production',
            expiresAt: new Date(portico.clock.now().getTime() + 1000).toISOString(),
          },
        }),
        201,
      )
      portico.clock.advance(2000)
      const cases: [headers: Record<string, string>, status: number, code: string][] = [
        [{ 'x-original-uri': path }, 401, 'key_missing'],
        [{ 'x-api-key': 'not-a-key', 'x-original-uri': path }, 401, 'unknown'],
        [{ 'x-api-key': revoked.secret, 'x-original-uri': path }, 401, 'revoked'],
        [{ 'x-api-key': expired.secret, 'x-original-uri': path }, 401, 'expired'],
        [{ 'x-api-key': key.secret, 'x-original-uri': '/nowhere/v1' }, 403, 'no_api'],
        [{ 'x-api-key': key.secret, 'x-original-uri': `${draft.basePath}/v1` }, 403, 'no_api'],
        [{ 'x-api-key': key.secret }, 403, 'no_api'],
        [
          { 'x-api-key': key.secret, 'x-original-uri': path, 'x-portico-environment': 'development' },
          403,
          'wrong_environment',
        ],
        [
          { 'x-api-key': key.secret, 'x-original-uri': path, 'x-portico-environment': 'mars' },
          403,
          'wrong_environment',
        ],
        [{ 'x-api-key': key.secret, 'x-original-uri': `${other.basePath}/v1/x` }, 403, 'not_subscribed'],
      ]
      for (const [headers, status, code] of cases) {
        const answer = await authorize(headers)
        expect([code, answer.statusCode, answer.headers['x-portico-code']]).toEqual([code, status, code])
        expect(answer.headers['content-type']).toBe('application/problem+json; charset=utf-8')
        expect(answer.json()).toMatchObject({ status, code })
        expect(answer.headers['www-authenticate']).toBe(status === 401 ? 'ApiKey' : undefined)
        expect(answer.headers['x-portico-organization-id']).toBeUndefined()
      }
      const right = await authorize({
        'x-api-key': key.secret,
        'x-original-uri': path,
        'x-portico-environment': 'production',
      })
      expect(right.statusCode).toBe(200)
    })

    it('follows the API as it is published, re-pathed and deprecated (the database announces it)', async () => {
      const { owner, org, api, key, path } = await setUp()
      expect((await authorize({ 'x-api-key': key.secret, 'x-original-uri': path })).statusCode).toBe(200)
      const moved = await must(
        call(app(), 'PATCH', `/v1/organizations/${org.id}/apis/${api.id}`, {
          token: owner.token,
          body: { basePath: `${api.basePath}-moved` },
        }),
        200,
      )
      expect(
        (await authorize({ 'x-api-key': key.secret, 'x-original-uri': path })).headers['x-portico-code'],
      ).toBe('no_api')
      const newPath = `${moved.basePath}/v1`
      expect((await authorize({ 'x-api-key': key.secret, 'x-original-uri': newPath })).statusCode).toBe(200)
      await must(
        call(app(), 'POST', `/v1/organizations/${org.id}/apis/${api.id}/deprecate`, { token: owner.token }),
        200,
      )
      expect((await authorize({ 'x-api-key': key.secret, 'x-original-uri': newPath })).statusCode).toBe(200)
    })

    it('limits per application and API over all its keys, with RateLimit-* and Retry-After on the 429', async () => {
      const { owner, org, shop, key, path } = await setUp({
        name: 'tiny',
        requestsPerMinute: 3,
        requestsPerDay: 100,
      })
      const second = await apiKey(app(), owner.token, org.id, shop.id)
      const through = (secret: string, extra: Record<string, string> = {}) =>
        authorize({ 'x-api-key': secret, 'x-original-uri': path, ...extra })
      const seconds = 60 - Math.floor((portico.clock.now().getTime() % 60_000) / 1000)
      const remaining: string[] = []
      for (const secret of [key.secret, second.secret, key.secret]) {
        const answer = await through(secret)
        expect(answer.statusCode).toBe(200)
        expect(answer.headers['ratelimit-limit']).toBe('3')
        expect(Number(answer.headers['ratelimit-reset'])).toBe(seconds)
        remaining.push(String(answer.headers['ratelimit-remaining']))
      }
      expect(remaining).toEqual(['2', '1', '0'])
      // A refusal for another reason spends nothing, and neither does a 429.
      expect((await through(key.secret, { 'x-portico-environment': 'development' })).statusCode).toBe(403)
      const limited = await through(second.secret)
      expect(limited.statusCode).toBe(429)
      expect(limited.json()).toMatchObject({ status: 429, code: 'rate_limited' })
      expect(limited.headers).toMatchObject({
        'x-portico-code': 'rate_limited',
        'retry-after': String(seconds),
        'ratelimit-limit': '3',
        'ratelimit-remaining': '0',
        'ratelimit-reset': String(seconds),
      })
      expect(limited.headers['x-portico-application-id']).toBeUndefined()
      const forNginx = await through(key.secret, { 'x-portico-deny-status': '403' })
      expect(forNginx.statusCode).toBe(403)
      expect(forNginx.json()).toMatchObject({ status: 403, code: 'rate_limited' })
      expect(forNginx.headers).toMatchObject({
        'x-portico-code': 'rate_limited',
        'retry-after': String(seconds),
      })
      // The next minute lets three through again.
      portico.clock.advance(seconds * 1000)
      const next = await through(key.secret)
      expect([next.statusCode, next.headers['ratelimit-remaining']]).toEqual([200, '2'])
    })

    it('limits by the UTC day too', async () => {
      // Three minutes of the test clock must fit in one UTC day.
      const intoDay = portico.clock.now().getTime() % 86_400_000
      if (intoDay > 86_400_000 - 180_000) portico.clock.advance(86_400_000 - intoDay)
      const { key, path } = await setUp({ name: 'daily', requestsPerDay: 2 })
      expect((await authorize({ 'x-api-key': key.secret, 'x-original-uri': path })).statusCode).toBe(200)
      portico.clock.advance(60_000)
      const last = await authorize({ 'x-api-key': key.secret, 'x-original-uri': path })
      expect([last.statusCode, last.headers['ratelimit-limit'], last.headers['ratelimit-remaining']]).toEqual(
        [200, '2', '0'],
      )
      portico.clock.advance(60_000)
      const limited = await authorize({ 'x-api-key': key.secret, 'x-original-uri': path })
      expect(limited.statusCode).toBe(429)
      const now = portico.clock.now().getTime()
      expect(Number(limited.headers['retry-after'])).toBe(Math.ceil((86_400_000 - (now % 86_400_000)) / 1000))
    })
  })

  describe('POST /v1/keys/verify', () => {
    it('answers developerId, checks the environment, and with apiId the subscription and plan (spending it)', async () => {
      const { org, api, shop, key } = await setUp({ name: 'two', requestsPerMinute: 2 })
      const valid = {
        valid: true,
        organizationId: org.id,
        developerId: org.id,
        applicationId: shop.id,
        environment: 'production',
        keyId: key.id,
      }
      // Without apiId: no plan is checked or spent.
      for (let i = 0; i < 3; i++) expect((await verify({ key: key.secret })).body).toEqual(valid)
      expect((await verify({ key: key.secret, environment: 'development' })).body).toEqual({
        valid: false,
        code: 'wrong_environment',
      })
      const reset = 60 - Math.floor((portico.clock.now().getTime() % 60_000) / 1000)
      expect((await verify({ key: key.secret, apiId: api.id, environment: 'production' })).body).toEqual({
        ...valid,
        apiId: api.id,
        rateLimit: { limit: 2, remaining: 1, reset },
      })
      expect((await verify({ key: key.secret, apiId: api.id })).body.rateLimit).toEqual({
        limit: 2,
        remaining: 0,
        reset,
      })
      expect((await verify({ key: key.secret, apiId: api.id })).body).toEqual({
        valid: false,
        code: 'rate_limited',
        rateLimit: { limit: 2, remaining: 0, reset },
      })
      // The gateway's call shares the same budget.
      const path = `${api.basePath}/${api.version}`
      expect((await authorize({ 'x-api-key': key.secret, 'x-original-uri': path })).statusCode).toBe(429)
    })
  })

  describe('plans', () => {
    it('every API has default; PUT replaces, keeps default when left out, and refuses removing a plan in use', async () => {
      const { owner, org, api, shop } = await setUp()
      expect((await plans(owner, org.id, api.id)).body).toEqual({
        items: [{ name: 'default', title: 'Default' }],
      })
      const gold = { name: 'gold', title: 'Gold', requestsPerMinute: 600, requestsPerDay: 100_000 }
      const free = { name: 'free', title: 'Free', requestsPerDay: 1000 }
      const put = await plans(owner, org.id, api.id, [gold, free])
      expect(put.status).toBe(200)
      expect(put.body).toEqual({ items: [{ name: 'default', title: 'Default' }, gold, free] })
      expect((await plans(owner, org.id, api.id)).body).toEqual(put.body)
      const limitedDefault = { name: 'default', title: 'Starter', requestsPerMinute: 10 }
      expect((await plans(owner, org.id, api.id, [limitedDefault, gold])).body).toEqual({
        items: [limitedDefault, gold],
      })
      expect((await plans(owner, org.id, api.id, [gold])).body).toEqual({ items: [limitedDefault, gold] })
      // Subscribing names a plan; an unknown one is 400.
      const other = await application(app(), owner.token, org.id)
      const unknown = await call(
        app(),
        'POST',
        `/v1/organizations/${org.id}/applications/${other.id}/subscriptions`,
        {
          token: owner.token,
          body: { apiId: api.id, plan: 'platinum' },
        },
      )
      expect(unknown.status).toBe(400)
      expect(unknown.body).toMatchObject({ code: 'validation_failed' })
      const onGold = await subscribeTo(owner, org.id, other.id, api.id, 'gold')
      expect(onGold).toMatchObject({ apiId: api.id, plan: 'gold' })
      const inUse = await plans(owner, org.id, api.id, [])
      expect(inUse.status).toBe(409)
      expect(inUse.body).toMatchObject({ code: 'conflict' })
      expect((await plans(owner, org.id, api.id)).body).toEqual({ items: [limitedDefault, gold] })
      const list = await call(
        app(),
        'GET',
        `/v1/organizations/${org.id}/applications/${shop.id}/subscriptions`,
        { token: owner.token },
      )
      expect(list.body.items[0].plan).toBe('default')
    })

    it('refuses bad plans with 400 validation_failed', async () => {
      const { owner, org, api } = await setUp()
      const bad: unknown[][] = [
        [{ name: 'Gold', title: 'Gold' }],
        [{ name: 'a'.repeat(41), title: 'Long' }],
        [{ name: '', title: 'Empty' }],
        [{ name: 'zero', title: 'Zero', requestsPerMinute: 0 }],
        [{ name: 'half', title: 'Half', requestsPerDay: 1.5 }],
        [{ name: 'notitle' }],
        [{ name: 'extra', title: 'Extra', price: 3 }],
        [
          { name: 'twice', title: 'One' },
          { name: 'twice', title: 'Two' },
        ],
      ]
      for (const items of bad) {
        const answer = await plans(owner, org.id, api.id, items)
        expect([JSON.stringify(items), answer.status, answer.body.code]).toEqual([
          JSON.stringify(items),
          400,
          'validation_failed',
        ])
      }
    })

    it('applies a plan change at once (the database announces it)', async () => {
      const { owner, org, api, key, path } = await setUp()
      const go = () => authorize({ 'x-api-key': key.secret, 'x-original-uri': path })
      expect((await go()).headers['ratelimit-limit']).toBeUndefined()
      await must(
        plans(owner, org.id, api.id, [{ name: 'default', title: 'Default', requestsPerMinute: 1 }]),
        200,
      )
      expect((await go()).headers['ratelimit-remaining']).toBe('0')
      expect((await go()).statusCode).toBe(429)
    })

    it('lets members read plans (api:read) but only api:update change them; hides a draft API’s from portal-only members', async () => {
      const { owner, org, api } = await setUp()
      const member = await addMember(portico, org.id, ['member'])
      expect((await plans(member, org.id, api.id)).status).toBe(200)
      const refused = await plans(member, org.id, api.id, [])
      expect(refused.status).toBe(403)
      expect(refused.body).toMatchObject({ code: 'forbidden', permission: 'api:update' })
      const draft = await draftApi(app(), owner.token, org.id)
      const external = await addMember(portico, org.id, ['external-api-subscriber'])
      expect((await plans(external, org.id, draft.id)).status).toBe(404)
      expect((await plans(external, org.id, api.id)).status).toBe(200)
      const stranger = (await signUp(app())) as Person
      expect((await plans(stranger, org.id, api.id)).status).toBe(404)
    })
  })

  async function subscribeTo(
    owner: Person,
    orgId: string,
    applicationId: string,
    apiId: string,
    plan: string,
  ) {
    return must(
      call(app(), 'POST', `/v1/organizations/${orgId}/applications/${applicationId}/subscriptions`, {
        token: owner.token,
        body: { apiId, plan },
      }),
      201,
    )
  }

  describe('usage', () => {
    it('counts calls per hour, API, key and outcome once flushed; not unknown keys nor paths no API serves', async () => {
      const { owner, org, api, shop, key, path } = await setUp({ name: 'one', requestsPerMinute: 1 })
      const revoked = await apiKey(app(), owner.token, org.id, shop.id)
      await must(
        call(app(), 'DELETE', `/v1/organizations/${org.id}/applications/${shop.id}/keys/${revoked.id}`, {
          token: owner.token,
        }),
        204,
      )
      const other = await publishedApi(app(), owner.token, org.id)
      const go = (secret: string, uri: string, extra: Record<string, string> = {}) =>
        authorize({ 'x-api-key': secret, 'x-original-uri': uri, ...extra })
      await go(key.secret, path) // allowed
      await go(key.secret, path) // rate_limited
      await go(key.secret, `${other.basePath}/v1`) // not_subscribed
      await go(key.secret, path, { 'x-portico-environment': 'development' }) // wrong_environment
      await go(revoked.secret, path) // revoked, before an API is chosen
      await go(key.secret, '/nowhere') // no_api: not counted
      await go('portico_production_unknown', path) // unknown: not counted
      await verify({ key: key.secret }) // allowed, no API
      const usage = (query = '') =>
        call(app(), 'GET', `/v1/organizations/${org.id}/applications/${shop.id}/usage${query}`, {
          token: owner.token,
        })
      await portico.keyVerifier.usage.flush()
      const now = portico.clock.now().getTime()
      const hour = new Date(now - (now % 3_600_000)).toISOString()
      const expected = [
        { start: hour, apiId: null, keyId: key.id, outcome: 'allowed', count: 1 },
        { start: hour, apiId: null, keyId: revoked.id, outcome: 'revoked', count: 1 },
        { start: hour, apiId: api.id, keyId: key.id, outcome: 'allowed', count: 1 },
        { start: hour, apiId: api.id, keyId: key.id, outcome: 'rate_limited', count: 1 },
        { start: hour, apiId: api.id, keyId: key.id, outcome: 'wrong_environment', count: 1 },
        { start: hour, apiId: other.id, keyId: key.id, outcome: 'not_subscribed', count: 1 },
      ]
      const sort = (items: typeof expected) =>
        [...items].sort((x, y) =>
          `${x.apiId}${x.keyId}${x.outcome}`.localeCompare(`${y.apiId}${y.keyId}${y.outcome}`),
        )
      expect(sort((await usage()).body.items)).toEqual(sort(expected))
      // Counts add up across flushes.
      await go(key.secret, path)
      await portico.keyVerifier.usage.flush()
      const items = (await usage('?granularity=day')).body.items
      const day = new Date(now - (now % 86_400_000)).toISOString()
      expect(
        items.find(
          (item: { outcome: string; apiId: string }) =>
            item.outcome === 'rate_limited' && item.apiId === api.id,
        ),
      ).toEqual({
        start: day,
        apiId: api.id,
        keyId: key.id,
        outcome: 'rate_limited',
        count: 2,
      })
      // A range that ends before the calls holds none of them.
      const before = new Date(now - 2 * 3_600_000).toISOString()
      expect((await usage(`?to=${encodeURIComponent(before)}`)).body).toEqual({ items: [] })
    })

    it('refuses bad ranges with 400, and guards the application (404 across organizations, 403 without application:read)', async () => {
      const { owner, org, shop } = await setUp()
      const usage = (person: Person, query: string, orgId = org.id) =>
        call(app(), 'GET', `/v1/organizations/${orgId}/applications/${shop.id}/usage${query}`, {
          token: person.token,
        })
      const from = '2026-01-01T00:00:00Z'
      for (const query of [
        `?from=${from}&to=2026-02-01T00:00:01Z`,
        `?from=${from}&to=2027-01-03T00:00:00Z&granularity=day`,
        `?from=${from}&to=${from}`,
        '?from=yesterday',
        '?granularity=week',
      ]) {
        const answer = await usage(owner, query)
        expect([query, answer.status, answer.body.code]).toEqual([query, 400, 'validation_failed'])
      }
      expect((await usage(owner, `?from=${from}&to=2026-02-01T00:00:00Z`)).status).toBe(200)
      expect((await usage(owner, `?from=${from}&to=2027-01-02T00:00:00Z&granularity=day`)).status).toBe(200)
      const environmentManager = await addMember(portico, org.id, ['environment-manager'])
      const refused = await usage(environmentManager, '')
      expect(refused.body).toMatchObject({ code: 'forbidden', permission: 'application:read' })
      const stranger = (await signUp(app())) as Person
      const theirs = await createOrganization(app(), stranger, 'Theirs')
      expect((await usage(stranger, '', theirs.id)).status).toBe(404)
      expect((await usage(stranger, '')).status).toBe(404)
    })
  })
})
