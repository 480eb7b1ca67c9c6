// @portico/sdk against a real Portico listening on a loopback port (one per database): the typed
// client and its errors, bearer and cookie sessions, cursor pages, retries honouring Retry-After,
// webhook verification on a real delivery, and the gateway's authorize. Also: the checked-in
// types are those the running server's document generates.
import { readFile } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TYPES_FILE, typesOf } from '../../packages/sdk/scripts/generate.ts'
import {
  all,
  createPortico,
  type Portico,
  PorticoError,
  verifyWebhook,
  WebhookVerificationError,
} from '../../packages/sdk/src/index.ts'
import { databases } from '../helpers/databases.ts'
import { PASSWORD, uniqueEmail } from '../helpers/http.ts'
import { startTestPortico, type TestPortico } from '../helpers/test-portico.ts'
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts'

const GATEWAY_TOKEN = 'gateway-token-for-sdk-tests'

describe.each(databases)('the SDK against Portico on %s', (databaseName) => {
  let portico: TestPortico
  let receiver: WebhookReceiver
  let baseUrl: string
  /** Every request the clients made (a real fetch, counted). */
  const requests: { method: string; path: string; status: number; retryAfter: string | null }[] = []
  const countingFetch = async (request: Request) => {
    const response = await fetch(request)
    const { pathname, search } = new URL(request.url)
    requests.push({
      method: request.method,
      path: pathname + search,
      status: response.status,
      retryAfter: response.headers.get('retry-after'),
    })
    return response
  }
  let owner: Portico
  let ownerToken: string
  let organizationId: string

  beforeAll(async () => {
    portico = await startTestPortico(databaseName, {
      env: { GATEWAY_TOKEN, WEBHOOK_ALLOW_PRIVATE: 'on', ORG_CREATION_LIMIT: '0' },
    })
    receiver = await startWebhookReceiver()
    await portico.app.listen({ port: 0, host: '127.0.0.1' })
    baseUrl = `http://127.0.0.1:${(portico.app.server.address() as { port: number }).port}`
    const anonymous = createPortico({ baseUrl, fetch: countingFetch })
    const signedUp = await anonymous.auth.signUp({
      email: uniqueEmail('owner'),
      password: PASSWORD,
      name: 'Olive Owner',
    })
    ownerToken = signedUp.token
    owner = anonymous.withToken(ownerToken)
    organizationId = (
      await owner.organizations.create({ name: 'SDK Corp', handle: `sdk-corp-${databaseName}` })
    ).id
  })
  afterAll(async () => {
    await portico?.close()
    await receiver?.close()
  })

  it.runIf(databaseName === databases[0])(
    'has the types the running server’s document generates (npm run sdk:generate when this fails)',
    async () => {
      const generated = await typesOf(portico.app.swagger())
      expect(generated === (await readFile(TYPES_FILE, 'utf8'))).toBe(true)
    },
  )

  it('returns typed data with a bearer token and throws PorticoError with the problem’s code', async () => {
    const me = await owner.me.get()
    expect(me.user.name).toBe('Olive Owner')
    expect(me.organizations.map((organization) => organization.handle)).toEqual([`sdk-corp-${databaseName}`])

    const taken = await owner.organizations
      .create({ name: 'Again', handle: `sdk-corp-${databaseName}` })
      .catch((error) => error)
    expect(taken).toBeInstanceOf(PorticoError)
    expect({ status: taken.status, code: taken.code }).toEqual({ status: 409, code: 'handle_taken' })
    expect(taken.detail).toEqual(expect.any(String))

    const missing = await owner.organizations.get('no-such-organization').catch((error) => error)
    expect({ status: missing.status, code: missing.code }).toEqual({ status: 404, code: 'not_found' })

    const invalid = await owner.invitations
      .create(organizationId, { email: 'not an email', roles: ['admin'] })
      .catch((error) => error)
    expect({ status: invalid.status, code: invalid.code, errors: invalid.errors }).toEqual({
      status: 400,
      code: 'validation_failed',
      errors: [{ in: 'body', path: '/email', message: expect.any(String) }],
    })

    const signedOut = createPortico({ baseUrl })
    const refused = await signedOut.me.get().catch((error) => error)
    expect({ status: refused.status, code: refused.code }).toEqual({ status: 401, code: 'unauthenticated' })
  })

  it('works with the console’s session cookie, writes included', async () => {
    const byCookie = createPortico({ baseUrl, sessionCookie: ownerToken })
    expect((await byCookie.me.get()).user.name).toBe('Olive Owner')
    const created = await byCookie.applications.create(organizationId, { name: 'By cookie' })
    expect(created.name).toBe('By cookie')
  })

  it('walks every cursor page of a list as one sequence', async () => {
    const orgId = (await owner.organizations.create({ name: 'Paged Corp' })).id
    for (const name of ['One', 'Two', 'Three']) await owner.applications.create(orgId, { name })
    const before = requests.length
    const names = (await all(owner.applications.list(orgId, { limit: 1 }))).map(
      (application) => application.name,
    )
    expect(names.sort()).toEqual(['One', 'Three', 'Two'])
    // Three pages of one, then the third says there is no next cursor.
    expect(requests.slice(before).map((request) => request.path.split('?')[0])).toEqual(
      Array(3).fill(`/v1/organizations/${orgId}/applications`),
    )
  })

  it('verifies a real delivery with verifyWebhook, and refuses a changed body or another secret', async () => {
    const webhook = await owner.webhooks.create(organizationId, {
      url: `${receiver.url}/sdk-${databaseName}`,
      events: ['*'],
    })
    await owner.webhooks.test(organizationId, webhook.id)
    const delivery = await receiver.next(
      `/sdk-${databaseName}`,
      (request) => request.json.type === 'webhook.test',
    )
    const event = verifyWebhook(delivery.body, delivery.headers as Record<string, string>, webhook.secret)
    expect(event).toEqual({
      id: delivery.headers['webhook-id'],
      type: 'webhook.test',
      timestamp: expect.any(String),
      organizationId,
      data: expect.anything(),
    })
    const headers = delivery.headers as Record<string, string>
    expect(() =>
      verifyWebhook(delivery.body.replace('webhook.test', 'webhook.tost'), headers, webhook.secret),
    ).toThrow(WebhookVerificationError)
    const other = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
    expect(() => verifyWebhook(delivery.body, headers, other)).toThrow('no matching signature')
    const late = Number(headers['webhook-timestamp']) + 301
    expect(() => verifyWebhook(delivery.body, headers, webhook.secret, { nowSeconds: late })).toThrow(
      'webhook-timestamp too far from now',
    )
  })

  it('authorizes a gateway’s request: allowed with who calls, refusals as answers, a rate limit not retried', async () => {
    const api = await owner.apis.create(organizationId, {
      name: 'Payments',
      version: 'v1',
      basePath: `/pay-${databaseName}`,
    })
    await owner.apis.publish(organizationId, api.id)
    await owner.apis.replacePlans(organizationId, api.id, [
      { name: 'tiny', title: 'Tiny', requestsPerMinute: 1 },
    ])
    const shop = await owner.applications.create(organizationId, { name: 'Gateway shop' })
    await owner.applications.subscribe(organizationId, shop.id, { apiId: api.id, plan: 'tiny' })
    const key = await owner.keys.create(organizationId, shop.id, { environment: 'production' })
    const sleeps: number[] = []
    const gateway = createPortico({
      baseUrl,
      gatewayToken: GATEWAY_TOKEN,
      sleep: async (ms) => {
        sleeps.push(ms)
      },
    })
    const request = {
      method: 'POST',
      url: `https://shop.example/pay-${databaseName}/v1/charges?x=1`,
      headers: { 'x-api-key': key.secret },
    }

    expect(await gateway.authorize(request)).toEqual({
      allowed: true,
      organizationId,
      developerId: organizationId,
      applicationId: shop.id,
      keyId: key.id,
      environment: 'production',
      apiId: api.id,
      rateLimit: { limit: 1, remaining: 0, reset: expect.any(Number) },
    })
    expect(await gateway.authorize(request)).toEqual({
      allowed: false,
      status: 429,
      code: 'rate_limited',
      detail: expect.any(String),
      retryAfterSeconds: expect.any(Number),
    })
    expect(sleeps).toEqual([])
    expect(await gateway.authorize({ method: 'GET', url: `/pay-${databaseName}/v1/charges` })).toMatchObject({
      allowed: false,
      status: 401,
      code: 'key_missing',
    })
    const wrongGateway = createPortico({ baseUrl, gatewayToken: 'not the token' })
    const refused = await wrongGateway.authorize(request).catch((error) => error)
    expect(refused).toBeInstanceOf(PorticoError)
    expect({ status: refused.status, code: refused.code }).toEqual({ status: 401, code: 'unauthenticated' })
  })

  // Last: it spends this client address's invitation-preview budget (60 a minute).
  it('retries an idempotent call refused with 429, waiting what Retry-After asks, then throws', async () => {
    const sleeps: number[] = []
    const client = createPortico({
      baseUrl,
      fetch: countingFetch,
      retries: 2,
      // The preview limit's window is a minute: its Retry-After may ask for up to 60 s.
      maxDelayMs: 60_000,
      sleep: async (ms) => {
        sleeps.push(ms)
      },
    })
    const token = 'no-such-invitation-token'
    let status = 404
    for (let i = 0; i < 100 && status === 404; i++) {
      status = await client.invitations.preview(token).then(
        () => 200,
        (error: PorticoError) => error.status,
      )
    }
    expect(status).toBe(429)
    const refusals = requests.filter((request) => request.status === 429)
    expect(refusals.map((request) => request.path)).toEqual(Array(3).fill(`/v1/invitations/${token}`))
    expect(sleeps).toEqual(refusals.slice(0, 2).map((request) => Number(request.retryAfter) * 1000))
    expect(sleeps.every((ms) => ms > 0)).toBe(true)

    // A wait longer than maxDelayMs is not waited for: the 429 is thrown at once.
    const impatient = createPortico({
      baseUrl,
      fetch: countingFetch,
      maxDelayMs: 0,
      sleep: async () => {
        throw new Error('no wait expected')
      },
    })
    const before = requests.length
    await expect(impatient.invitations.preview(token)).rejects.toMatchObject({
      status: 429,
      code: 'rate_limited',
    })
    expect(requests.length - before).toBe(1)
  })
})
