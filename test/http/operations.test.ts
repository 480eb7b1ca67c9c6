// Black-box tests of the operations endpoints and of what every route shares: problem+json for
// every error (unknown routes, broken JSON, huge bodies, wrong media types), request ids, metrics.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databases } from '../helpers/databases.ts'
import { call, signUp } from '../helpers/http.ts'
import { startTestPortico, type TestPortico } from '../helpers/test-portico.ts'

describe.each(databases)('operations and shared HTTP behaviour on %s', (databaseName) => {
  let portico: TestPortico
  beforeAll(async () => {
    portico = await startTestPortico(databaseName)
  })
  afterAll(async () => {
    await portico?.close()
  })
  const app = () => portico.app

  it('answers /healthz and /readyz', async () => {
    expect(await call(app(), 'GET', '/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } })
    expect(await call(app(), 'GET', '/readyz')).toMatchObject({ status: 200, body: { status: 'ready' } })
  })

  it('serves an OpenAPI 3.1 document that lists every identity route with its answers', async () => {
    const answer = await call(app(), 'GET', '/openapi.json')
    expect(answer.status).toBe(200)
    expect(answer.body.openapi).toBe('3.1.0')
    const paths = answer.body.paths
    const expected: [string, string, string[]][] = [
      ['/v1/auth/sign-up', 'post', ['201', '400', '409']],
      ['/v1/auth/sign-in', 'post', ['200', '401', '429']],
      ['/v1/auth/sign-out', 'post', ['204', '401']],
      ['/v1/me', 'get', ['200', '401']],
      ['/v1/auth/email-verification', 'post', ['202', '401']],
      ['/v1/auth/email-verification/confirm', 'post', ['200', '410']],
      ['/v1/auth/password-reset', 'post', ['202', '429']],
      ['/v1/auth/password-reset/confirm', 'post', ['204', '410']],
    ]
    for (const [path, method, statuses] of expected) {
      expect(Object.keys(paths[path][method].responses)).toEqual(expect.arrayContaining(statuses))
    }
    expect(paths['/v1/auth/sign-up'].post.requestBody.content['application/json'].schema.required).toEqual([
      'email',
      'password',
      'name',
    ])
  })

  it('serves an API reference page at /docs', async () => {
    const answer = await app().inject({ method: 'GET', url: '/docs' })
    const page =
      answer.statusCode === 302
        ? await app().inject({ method: 'GET', url: String(answer.headers.location) })
        : answer
    expect(page.statusCode).toBe(200)
    expect(page.headers['content-type']).toContain('text/html')
  })

  it('exposes Prometheus metrics with request counts by route and the database pool', async () => {
    await call(app(), 'GET', '/healthz')
    const answer = await app().inject({ method: 'GET', url: '/metrics' })
    expect(answer.statusCode).toBe(200)
    expect(answer.headers['content-type']).toContain('text/plain')
    expect(answer.body).toMatch(
      /portico_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/,
    )
    expect(answer.body).toContain('portico_http_request_duration_seconds_bucket')
    expect(answer.body).toMatch(/portico_db_pool_connections\{state="total"\} \d+/)
  })

  it('gives every answer a request id, keeping a sane one the client sent', async () => {
    const fresh = await call(app(), 'GET', '/healthz')
    expect(fresh.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/)
    const kept = await call(app(), 'GET', '/healthz', { headers: { 'x-request-id': 'trace-123' } })
    expect(kept.headers['x-request-id']).toBe('trace-123')
    const replaced = await call(app(), 'GET', '/healthz', {
      headers: { 'x-request-id': 'bad id\twith junk' },
    })
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('answers unknown routes with a 404 problem', async () => {
    const answer = await call(app(), 'GET', '/v1/nothing-here')
    expect(answer.status).toBe(404)
    expect(answer.headers['content-type']).toContain('application/problem+json')
    expect(answer.body).toMatchObject({ status: 404, code: 'not_found', title: 'Not Found' })
  })

  it('answers broken JSON with 400 validation_failed', async () => {
    const answer = await call(app(), 'POST', '/v1/auth/sign-in', { body: '{"email": "a@b.co",' })
    expect(answer.status).toBe(400)
    expect(answer.body).toMatchObject({ code: 'validation_failed', errors: [{ in: 'body', path: '/' }] })
  })

  it('answers a body that is not an object, and a missing body, with 400 validation_failed', async () => {
    for (const body of ['[]', '"text"', '42', 'null']) {
      const answer = await call(app(), 'POST', '/v1/auth/sign-in', { body })
      expect(answer.status).toBe(400)
      expect(answer.body.code).toBe('validation_failed')
    }
    const empty = await call(app(), 'POST', '/v1/auth/sign-in', {
      headers: { 'content-type': 'application/json' },
    })
    expect(empty.status).toBe(400)
    expect(empty.body.code).toBe('validation_failed')
  })

  it('refuses prototype-poisoning JSON', async () => {
    const answer = await call(app(), 'POST', '/v1/auth/sign-in', {
      body: '{"email":"a@b.co","password":"x","__proto__":{"admin":true}}',
    })
    expect(answer.status).toBe(400)
    expect(answer.body.code).toBe('validation_failed')
  })

  it('answers a body over 1 MiB with 413 payload_too_large', async () => {
    const answer = await call(app(), 'POST', '/v1/auth/sign-up', {
      body: JSON.stringify({ email: 'a@b.co', password: 'x'.repeat(1024 * 1024), name: 'Big' }),
    })
    expect(answer.status).toBe(413)
    expect(answer.body).toMatchObject({ code: 'payload_too_large', status: 413 })
  })

  it('answers a body that is not JSON with 415 unsupported_media_type', async () => {
    const answer = await call(app(), 'POST', '/v1/auth/sign-in', {
      body: 'email=a@b.co&password=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    })
    expect(answer.status).toBe(415)
    expect(answer.body).toMatchObject({ code: 'unsupported_media_type', status: 415 })
  })

  it('accepts a JSON content type with a charset, and POST without a body where none is needed', async () => {
    const { token } = await signUp(app())
    const answer = await call(app(), 'POST', '/v1/auth/sign-out', {
      token,
      headers: { 'content-type': 'application/json; charset=utf-8' },
    })
    expect(answer.status).toBe(204)
  })

  it('routes trailing slashes and doubled slashes to the same route, with the same authentication', async () => {
    expect((await call(app(), 'GET', '/v1/me/')).status).toBe(401)
    expect((await call(app(), 'GET', '//v1/me')).status).toBe(401)
    const { token } = await signUp(app())
    expect((await call(app(), 'GET', '/v1/me/', { token })).status).toBe(200)
  })

  it('serves the console page at /', async () => {
    const answer = await app().inject({ method: 'GET', url: '/' })
    expect(answer.statusCode).toBe(200)
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(answer.body).toContain('<title>Portico</title>')
  })
})
