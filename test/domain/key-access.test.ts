// Table-driven tests of the one decision both gateway calls ask (domain/key-access.ts), of which API
// serves a path (domain/api-paths.ts), and of replacing an API's plans (domain/plans.ts).
import { describe, expect, it } from 'vitest'
import { ApiPathIndex, pathOfUri, removeDotSegments } from '../../src/domain/api-paths.ts'
import {
  decideKeyAccess,
  type KeyAccessRequest,
  type KeyFacts,
  type Spent,
} from '../../src/domain/key-access.ts'
import { defaultPlan, type Plan, type PlanLimits, replacePlans } from '../../src/domain/plans.ts'

// 2026-11-30T12:00:30Z: 30 s into a minute, 12 h into a day.
const NOW = Date.UTC(2026, 10, 30, 12, 0, 30)
const unlimited: PlanLimits = { requestsPerMinute: null, requestsPerDay: null }
const key: KeyFacts = {
  organizationId: 'org',
  applicationId: 'app',
  keyId: 'key',
  environment: 'production',
  issuedEnvironment: 'production',
  expiresAt: null,
  revokedAt: null,
  subscriptions: new Map([
    ['free', unlimited],
    ['metered', { requestsPerMinute: 10, requestsPerDay: 100 }],
    ['daily', { requestsPerMinute: null, requestsPerDay: 5 }],
  ]),
}
const api = (id: string | undefined) => ({ api: { id } })

describe('decideKeyAccess', () => {
  const cases: {
    name: string
    key: KeyFacts | undefined
    request: KeyAccessRequest
    spent?: Spent
    expected: Record<string, unknown>
  }[] = [
    {
      name: 'an unknown key',
      key: undefined,
      request: api('free'),
      expected: { ok: false, code: 'unknown' },
    },
    {
      name: 'a revoked key, before anything else',
      key: { ...key, revokedAt: NOW - 1, expiresAt: NOW - 1 },
      request: { ...api(undefined), environment: 'development' },
      expected: { ok: false, code: 'revoked', apiId: null },
    },
    {
      name: 'a key revoked for later (a rotation grace period) still works',
      key: { ...key, revokedAt: NOW + 1000 },
      request: api('free'),
      expected: { ok: true, apiId: 'free' },
    },
    {
      name: 'an expired key',
      key: { ...key, expiresAt: NOW },
      request: api('free'),
      expected: { ok: false, code: 'expired', apiId: null },
    },
    {
      name: 'no API serves the path, before the environment',
      key,
      request: { ...api(undefined), environment: 'development' },
      expected: { ok: false, code: 'no_api', apiId: null },
    },
    {
      name: 'the wrong environment, before the subscription',
      key,
      request: { api: { id: 'elsewhere' }, environment: 'development' },
      expected: { ok: false, code: 'wrong_environment', apiId: 'elsewhere' },
    },
    {
      name: 'an environment the organization does not have',
      key,
      request: { ...api('free'), environment: 'no-such-environment' },
      expected: { ok: false, code: 'wrong_environment' },
    },
    {
      name: 'not subscribed',
      key,
      request: { ...api('elsewhere'), environment: 'production' },
      expected: { ok: false, code: 'not_subscribed', apiId: 'elsewhere' },
    },
    {
      name: 'valid, no API asked (a verification without apiId)',
      key,
      request: {},
      expected: { ok: true, apiId: undefined, plan: undefined, rateLimit: undefined },
    },
    {
      name: 'valid, a plan without limits: nothing to count',
      key,
      request: { ...api('free'), environment: 'production' },
      expected: { ok: true, apiId: 'free', plan: undefined, rateLimit: undefined },
    },
    {
      name: 'valid under a limit: the window with fewer requests left is shown',
      key,
      request: api('metered'),
      spent: { minute: 3, day: 95 },
      expected: { ok: true, rateLimit: { limit: 100, remaining: 4, reset: 43_170 } },
    },
    {
      name: 'valid under a limit: the minute has fewer left',
      key,
      request: api('metered'),
      spent: { minute: 8, day: 10 },
      expected: { ok: true, rateLimit: { limit: 10, remaining: 1, reset: 30 } },
    },
    {
      name: 'the last request of the minute',
      key,
      request: api('metered'),
      spent: { minute: 9, day: 10 },
      expected: { ok: true, rateLimit: { limit: 10, remaining: 0, reset: 30 } },
    },
    {
      name: 'rate limited in the minute: retry when the minute ends',
      key,
      request: api('metered'),
      spent: { minute: 10, day: 10 },
      expected: {
        ok: false,
        code: 'rate_limited',
        apiId: 'metered',
        rateLimit: { limit: 10, remaining: 0, reset: 30 },
        retryAfterSeconds: 30,
      },
    },
    {
      name: 'rate limited in the day although the minute has room: retry when the day ends',
      key,
      request: api('metered'),
      spent: { minute: 9, day: 100 },
      expected: { ok: false, code: 'rate_limited', retryAfterSeconds: 43_170 },
    },
    {
      name: 'both windows spent: the later end is the one worth waiting for',
      key,
      request: api('metered'),
      spent: { minute: 10, day: 100 },
      expected: { ok: false, code: 'rate_limited', rateLimit: { limit: 100, remaining: 0, reset: 43_170 } },
    },
    {
      name: 'a day-only plan',
      key,
      request: api('daily'),
      spent: { minute: 1000, day: 4 },
      expected: { ok: true, rateLimit: { limit: 5, remaining: 0, reset: 43_170 } },
    },
    {
      name: 'a revoked key is not rate limited (its refusal comes first)',
      key: { ...key, revokedAt: NOW },
      request: api('metered'),
      spent: { minute: 10, day: 100 },
      expected: { ok: false, code: 'revoked' },
    },
  ]
  it.each(cases)('$name', ({ key: facts, request, spent, expected }) => {
    expect(decideKeyAccess(facts, request, NOW, spent)).toMatchObject(expected)
  })
})

describe('which API serves a path', () => {
  const index = new ApiPathIndex([
    { id: 'pay', basePath: '/pay', version: 'v1' },
    { id: 'pay-admin', basePath: '/pay/v1/admin', version: 'v2' },
    { id: 'root', basePath: '/', version: 'v3' },
    { id: 'slash', basePath: '/orders/', version: 'v1' },
  ])
  const cases: [uri: string | undefined, expected: string | undefined][] = [
    ['/pay/v1', 'pay'],
    ['/pay/v1/', 'pay'],
    ['/pay/v1/charges/42', 'pay'],
    ['/pay/v1/charges?limit=1', 'pay'],
    ['/pay/v1?x=/pay/v10', 'pay'],
    ['/pay/v10/x', undefined],
    ['/pay/v1x', undefined],
    ['/pay', undefined],
    ['/pay/v1/admin/v2/users', 'pay-admin'],
    ['/pay/v1/admin/v3', 'pay'],
    ['/v3/anything', 'root'],
    ['/orders/v1/7', 'slash'],
    ['/pay/v2/../v1/charges', 'pay'],
    ['/pay/v1/../v10/x', undefined],
    ['/other/../pay/v1/./x', 'pay'],
    ['/PAY/v1', undefined],
    ['https://api.example.com/pay/v1/x', 'pay'],
    ['pay/v1', undefined],
    ['', undefined],
    [undefined, undefined],
  ]
  it.each(cases)('%s → %s', (uri, expected) => {
    expect(index.match(pathOfUri(uri))?.id).toBe(expected)
  })

  it('removes dot-segments as RFC 3986 §5.2.4 does', () => {
    expect(removeDotSegments('/a/b/c/./../../g')).toBe('/a/g')
    expect(removeDotSegments('mid/content=5/../6')).toBe('mid/6')
    expect(removeDotSegments('/../a')).toBe('/a')
    expect(removeDotSegments('/a/..')).toBe('/')
    expect(removeDotSegments('/a/.')).toBe('/a/')
    expect(removeDotSegments('/a.b/c')).toBe('/a.b/c')
  })
})

describe('replacePlans', () => {
  const gold: Plan = { name: 'gold', title: 'Gold', requestsPerMinute: 100, requestsPerDay: null }
  const limitedDefault: Plan = { ...defaultPlan, requestsPerMinute: 5 }
  it('keeps default as it was when left out', () => {
    expect(replacePlans([limitedDefault], [gold], new Set())).toEqual({
      ok: true,
      plans: [limitedDefault, gold],
    })
  })
  it('changes default when given', () => {
    const changed = { ...defaultPlan, requestsPerDay: 9 }
    expect(replacePlans([limitedDefault], [gold, changed], new Set(['default']))).toEqual({
      ok: true,
      plans: [gold, changed],
    })
  })
  it('refuses to remove a plan a subscription uses', () => {
    expect(replacePlans([defaultPlan, gold], [], new Set(['gold']))).toMatchObject({
      ok: false,
      code: 'conflict',
    })
  })
  it('refuses a name given twice', () => {
    expect(replacePlans([], [gold, gold], new Set())).toMatchObject({ ok: false, code: 'validation_failed' })
  })
})
