// Plan limits on every instance together: two Portico instances on one PostgreSQL share each
// application's budget through the database (services/gateway/plan-limiter.ts). The measured
// over-admission under concurrent load is printed (README, *Plans and rate limits*).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Portico } from '../../src/portico.ts'
import { databases } from '../helpers/databases.ts'
import { call, signUp } from '../helpers/http.ts'
import { createOrganization } from '../helpers/organizations.ts'
import { apiKey, application, must, publishedApi } from '../helpers/portal.ts'
import { startTwoInstances, type TwoInstances } from '../helpers/two-instances.ts'

describe.runIf(databases.includes('postgres'))('plan limits across instances on PostgreSQL', () => {
  let instances: TwoInstances
  let a: Portico
  let b: Portico
  beforeAll(async () => {
    instances = await startTwoInstances({ GATEWAY_TOKEN: 'gw' })
    a = instances.a
    b = instances.b
  })
  afterAll(async () => {
    await instances?.close()
  })

  /** An application on a plan of `perDay` requests a day (the day window: no minute rolls over mid-test). */
  async function limited(perDay: number) {
    const owner = await signUp(a.app)
    const org = await createOrganization(a.app, owner, 'Shared Limits')
    const api = await publishedApi(a.app, owner.token, org.id)
    await must(
      call(a.app, 'PUT', `/v1/organizations/${org.id}/apis/${api.id}/plans`, {
        token: owner.token,
        body: { items: [{ name: 'metered', title: 'Metered', requestsPerDay: perDay }] },
      }),
      200,
    )
    const shop = await application(a.app, owner.token, org.id)
    await must(
      call(a.app, 'POST', `/v1/organizations/${org.id}/applications/${shop.id}/subscriptions`, {
        token: owner.token,
        body: { apiId: api.id, plan: 'metered' },
      }),
      201,
    )
    const keys = [
      await apiKey(a.app, owner.token, org.id, shop.id),
      await apiKey(a.app, owner.token, org.id, shop.id),
    ]
    const path = `${api.basePath}/${api.version}`
    const go = (portico: Portico, secret: string) =>
      portico.app.inject({
        method: 'GET',
        url: '/v1/gateway/authorize',
        headers: { 'x-gateway-token': 'gw', 'x-api-key': secret, 'x-original-uri': path },
      })
    const spentInDatabase = async () => {
      const row = await a.database.db
        .selectFrom('plan_counters')
        .select((eb) => eb.fn.sum<string>('count').as('total'))
        .where('application_id', '=', shop.id)
        .where('window_kind', '=', 'day')
        .executeTakeFirst()
      return Number(row?.total ?? 0)
    }
    return { keys, go, spentInDatabase }
  }

  it('shares one budget: what one instance let through, the other counts once they have synced', async () => {
    const { keys, go, spentInDatabase } = await limited(5)
    const [first, second] = keys.map((key) => key.secret) as [string, string]
    for (let i = 0; i < 3; i++) expect((await go(a, first)).statusCode).toBe(200)
    await a.keyVerifier.limiter.sync()
    await b.keyVerifier.limiter.sync()
    const statuses: number[] = []
    for (let i = 0; i < 4; i++) statuses.push((await go(b, second)).statusCode)
    expect(statuses).toEqual([200, 200, 429, 429])
    await b.keyVerifier.limiter.sync()
    await a.keyVerifier.limiter.sync()
    expect((await go(a, first)).statusCode).toBe(429)
    expect(await spentInDatabase()).toBe(5)
  })

  it('under concurrent load on both, lets through the limit plus at most what the instances had not yet seen of each other', async () => {
    const limit = 200
    const { keys, go, spentInDatabase } = await limited(limit)
    const [first, second] = keys.map((key) => key.secret) as [string, string]
    let allowed = 0
    const started = performance.now()
    const hammer = async (portico: Portico, secret: string) => {
      for (let i = 0; i < 400; i++) if ((await go(portico, secret)).statusCode === 200) allowed++
    }
    await Promise.all([hammer(a, first), hammer(a, first), hammer(b, second), hammer(b, second)])
    const seconds = (performance.now() - started) / 1000
    await a.keyVerifier.limiter.sync()
    await b.keyVerifier.limiter.sync()
    // Never fewer than the limit; every request let through is in the shared counter, exactly.
    expect(allowed).toBeGreaterThanOrEqual(limit)
    expect(await spentInDatabase()).toBe(allowed)
    expect((await go(a, first)).statusCode).toBe(429)
    expect((await go(b, second)).statusCode).toBe(429)
    const rate = 1600 / seconds
    console.log(
      `shared plan limit: ${allowed} let through for a limit of ${limit} (over by ${allowed - limit}) at ${rate.toFixed(0)} requests/s over 2 instances; the bound allows ${limit} + ${rate.toFixed(0)} (instances × 1 s at ${(rate / 2).toFixed(0)}/s each)`,
    )
    expect(allowed - limit).toBeLessThanOrEqual(Math.ceil(rate))
  })
})
