// The lean gateway path (src/http/gateway.ts answers GET /v1/gateway/authorize and POST
// /v1/keys/verify before Fastify) does by hand what Fastify's pipeline does for every other route:
// request metrics under the route's pattern, the request's log lines at the configured level
// (without keys or tokens), and the request id. Over real HTTP, since inject never takes that path.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databases } from '../helpers/databases.ts'
import { call, signUp } from '../helpers/http.ts'
import { createOrganization, type Person } from '../helpers/organizations.ts'
import { apiKey, application, must, publishedApi } from '../helpers/portal.ts'
import { startTestPortico, type TestPortico } from '../helpers/test-portico.ts'

const GATEWAY_TOKEN = 'gateway-token-for-lean-path-tests'

interface Line {
  level: number
  reqId?: string
  msg: string
  req?: Record<string, unknown>
  res?: Record<string, unknown>
  responseTime?: number
}

describe.each(databases)('the lean gateway path on %s', (databaseName) => {
  let portico: TestPortico
  let base: string
  beforeAll(async () => {
    portico = await startTestPortico(databaseName, {
      env: { ORG_CREATION_LIMIT: '0', GATEWAY_TOKEN, RATE_LIMIT: 'off' },
    })
    await portico.app.listen({ port: 0, host: '127.0.0.1' })
    base = `http://127.0.0.1:${(portico.app.server.address() as { port: number }).port}`
  })
  afterAll(async () => {
    await portico?.close()
  })
  const app = () => portico.app

  async function setUp() {
    const owner = (await signUp(app())) as Person
    const org = await createOrganization(app(), owner, 'Lean Org')
    const api = await publishedApi(app(), owner.token, org.id)
    const shop = await application(app(), owner.token, org.id)
    await must(
      call(app(), 'POST', `/v1/organizations/${org.id}/applications/${shop.id}/subscriptions`, {
        token: owner.token,
        body: { apiId: api.id },
      }),
      201,
    )
    const key = await apiKey(app(), owner.token, org.id, shop.id)
    return { api, key, path: `${api.basePath}/${api.version}` }
  }

  const authorize = (headers: Record<string, string>, query = '') =>
    fetch(`${base}/v1/gateway/authorize${query}`, {
      headers: { 'x-gateway-token': GATEWAY_TOKEN, ...headers },
    })
  const verify = (body: unknown, requestId?: string) =>
    fetch(`${base}/v1/keys/verify`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${GATEWAY_TOKEN}`,
        'content-type': 'application/json',
        ...(requestId ? { 'x-request-id': requestId } : {}),
      },
      body: JSON.stringify(body),
    })
  const metric = async (method: string, route: string, status: number): Promise<number> => {
    const text = (await app().inject({ method: 'GET', url: '/metrics' })).body
    const line = text
      .split('\n')
      .find((l) =>
        l.startsWith(`portico_http_requests_total{method="${method}",route="${route}",status="${status}"}`),
      )
    return line ? Number(line.split(' ').at(-1)) : 0
  }
  const linesOf = (reqId: string): Line[] =>
    portico.logs.map((text) => JSON.parse(text) as Line).filter((line) => line.reqId === reqId)

  it('counts its answers in the request metrics by method, route pattern and status', async () => {
    const { key, path } = await setUp()
    const before = {
      allowed: await metric('GET', '/v1/gateway/authorize', 200),
      refused: await metric('GET', '/v1/gateway/authorize', 401),
      verified: await metric('POST', '/v1/keys/verify', 200),
      bucket: 0,
    }
    for (let i = 0; i < 3; i++)
      expect((await authorize({ 'x-api-key': key.secret, 'x-original-uri': path })).status).toBe(200)
    expect((await authorize({ 'x-original-uri': path })).status).toBe(401)
    expect((await authorize({ 'x-api-key': key.secret, 'x-original-uri': path }, '?x=1')).status).toBe(200)
    expect((await verify({ key: key.secret })).status).toBe(200)
    expect(await metric('GET', '/v1/gateway/authorize', 200)).toBe(before.allowed + 4)
    expect(await metric('GET', '/v1/gateway/authorize', 401)).toBe(before.refused + 1)
    expect(await metric('POST', '/v1/keys/verify', 200)).toBe(before.verified + 1)
    const text = (await app().inject({ method: 'GET', url: '/metrics' })).body
    expect(text).toMatch(
      /portico_http_request_duration_seconds_count\{method="GET",route="\/v1\/gateway\/authorize",status="200"\} \d+/,
    )
    // The route's pattern only: never the raw URL with its query.
    expect(text).not.toContain('?x=1')
  })

  it('logs each request as Fastify logs one (incoming, completed, one reqId answered as x-request-id), never the key or token', async () => {
    const { api, key, path } = await setUp()
    const allowed = await authorize(
      { 'x-api-key': key.secret, 'x-original-uri': path },
      `?apikey=${key.secret}`,
    )
    expect(allowed.status).toBe(200)
    const allowedId = allowed.headers.get('x-request-id') ?? ''
    expect(allowedId).toMatch(/^[0-9a-f-]{36}$/)
    const verified = await verify({ key: key.secret, apiId: api.id }, 'trace-lean-1')
    expect([verified.status, verified.headers.get('x-request-id')]).toEqual([200, 'trace-lean-1'])
    const refused = await authorize({ 'x-api-key': 'portico_production_unknown', 'x-original-uri': path })
    expect(refused.status).toBe(401)
    const refusedId = refused.headers.get('x-request-id') ?? ''

    const shape = (line: Line) => ({
      level: line.level,
      msg: line.msg,
      req: line.req,
      res: line.res,
      timed: typeof line.responseTime === 'number' && line.responseTime >= 0,
    })
    expect(linesOf(allowedId).map(shape)).toEqual([
      {
        level: 30,
        msg: 'incoming request',
        req: { method: 'GET', url: '/v1/gateway/authorize', remoteAddress: '127.0.0.1' },
        res: undefined,
        timed: false,
      },
      { level: 30, msg: 'request completed', req: undefined, res: { statusCode: 200 }, timed: true },
    ])
    expect(linesOf('trace-lean-1').map(shape)).toEqual([
      {
        level: 30,
        msg: 'incoming request',
        req: { method: 'POST', url: '/v1/keys/verify', remoteAddress: '127.0.0.1' },
        res: undefined,
        timed: false,
      },
      { level: 30, msg: 'request completed', req: undefined, res: { statusCode: 200 }, timed: true },
    ])
    expect(linesOf(refusedId).map((line) => [line.msg, line.res?.statusCode])).toEqual([
      ['incoming request', undefined],
      ['request completed', 401],
    ])

    // The same fields as Fastify's own lines for a route it serves.
    const healthz = await fetch(`${base}/healthz`)
    const fastifyLines = linesOf(healthz.headers.get('x-request-id') ?? '')
    const keysOf = (lines: Line[]) => lines.map((line) => Object.keys(line).sort())
    expect(keysOf(linesOf(allowedId))).toEqual(keysOf(fastifyLines))

    const everything = portico.logs.join('')
    expect(everything).not.toContain(key.secret)
    expect(everything).not.toContain(GATEWAY_TOKEN)
  })
})

describe('the lean gateway path at LOG_LEVEL=warn', () => {
  let portico: TestPortico
  let base: string
  beforeAll(async () => {
    portico = await startTestPortico('pglite', { env: { GATEWAY_TOKEN }, logLevel: 'warn' })
    await portico.app.listen({ port: 0, host: '127.0.0.1' })
    base = `http://127.0.0.1:${(portico.app.server.address() as { port: number }).port}`
  })
  afterAll(async () => {
    await portico?.close()
  })

  it('writes no request lines, and still counts the requests', async () => {
    const answer = await fetch(`${base}/v1/gateway/authorize`, {
      headers: { 'x-gateway-token': GATEWAY_TOKEN, 'x-original-uri': '/x' },
    })
    expect(answer.status).toBe(401)
    await fetch(`${base}/healthz`)
    expect(portico.logs).toEqual([])
    const text = (await portico.app.inject({ method: 'GET', url: '/metrics' })).body
    expect(text).toContain(
      'portico_http_requests_total{method="GET",route="/v1/gateway/authorize",status="401"} 1',
    )
  })
})
