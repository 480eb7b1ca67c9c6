// Properties of every route under hostile input: whatever string arrives in a path or query
// parameter (control characters, NUL, lone surrogates, percent signs, dot-segments, forged
// cursors, leap seconds), the answer is never a 5xx. Routes are enumerated from the OpenAPI
// document the server generates, so a route added later is covered without touching this file.
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databases } from '../helpers/databases.ts'
import { signUp } from '../helpers/http.ts'
import { createOrganization, type Person } from '../helpers/organizations.ts'
import { apiKey, application, publishedApi, subscribe } from '../helpers/portal.ts'
import { startTestPortico, type TestPortico } from '../helpers/test-portico.ts'

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
interface Route {
  method: Method
  path: string
  pathParameters: string[]
  queryParameters: string[]
}

interface OpenApiDocument {
  paths: Record<string, Record<string, { parameters?: { in: string; name: string }[] }>>
}

function routesOf(document: OpenApiDocument): Route[] {
  const routes: Route[] = []
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const upper = method.toUpperCase()
      if (!['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(upper)) continue
      const parameters = operation.parameters ?? []
      routes.push({
        method: upper as Method,
        path,
        pathParameters: parameters.filter((p) => p.in === 'path').map((p) => p.name),
        queryParameters: parameters.filter((p) => p.in === 'query').map((p) => p.name),
      })
    }
  }
  // Destructive calls go last (deepest first), so real resources stay for the others to reach.
  const rank = (route: Route) => (route.path === '/v1/auth/sign-out' ? 2 : route.method === 'DELETE' ? 1 : 0)
  return routes.sort((a, b) => rank(a) - rank(b) || b.path.length - a.path.length)
}

/** Percent-encodes every UTF-16 code unit as WTF-8, so that lone surrogates reach the server as bytes. */
function percentEncode(text: string): string {
  let encoded = ''
  for (let i = 0; i < text.length; i++) {
    let codePoint = text.charCodeAt(i)
    const next = text.charCodeAt(i + 1)
    if (codePoint >= 0xd800 && codePoint < 0xdc00 && next >= 0xdc00 && next < 0xe000) {
      codePoint = 0x10000 + ((codePoint - 0xd800) << 10) + (next - 0xdc00)
      i++
    }
    const bytes =
      codePoint < 0x80
        ? [codePoint]
        : codePoint < 0x800
          ? [0xc0 | (codePoint >> 6), 0x80 | (codePoint & 63)]
          : codePoint < 0x10000
            ? [0xe0 | (codePoint >> 12), 0x80 | ((codePoint >> 6) & 63), 0x80 | (codePoint & 63)]
            : [
                0xf0 | (codePoint >> 18),
                0x80 | ((codePoint >> 12) & 63),
                0x80 | ((codePoint >> 6) & 63),
                0x80 | (codePoint & 63),
              ]
    for (const byte of bytes) {
      const char = String.fromCharCode(byte)
      encoded += /[A-Za-z0-9_~-]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
    }
  }
  return encoded
}

const nasty = fc.constantFrom(
  '\u0000',
  '\ud800',
  '\udfff',
  '\u202e',
  '\u2066',
  '\u200b',
  '%',
  '%00',
  '/',
  '.',
  '..',
  '\\',
  "'",
  '"',
  ' ',
  '2030-12-31T23:59:60Z',
  '------------------------------------',
  '00000000-0000-0000-0000-000000000000',
  'WyIyMDMwIiwiLS0tLSJd',
)
const unit = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
  fc.integer({ min: 0, max: 0x1f }).map((code) => String.fromCharCode(code)),
  nasty,
)
const hostileString = fc.oneof(
  fc.string({ unit, maxLength: 40 }),
  nasty,
  // A cursor: base64url of JSON the server might have given out, with hostile parts.
  fc
    .array(fc.oneof(fc.string({ unit, maxLength: 40 }), nasty, fc.integer(), fc.constant(null)), {
      maxLength: 3,
    })
    .map((parts) => Buffer.from(JSON.stringify(parts)).toString('base64url')),
)

describe.each(databases)('hostile path and query parameters on %s', (databaseName) => {
  let portico: TestPortico
  let owner: Person
  const real: Record<string, string[]> = {}
  beforeAll(async () => {
    portico = await startTestPortico(databaseName, {
      env: { ORG_CREATION_LIMIT: '0', GATEWAY_TOKEN: 'gateway-token' },
    })
    owner = (await signUp(portico.app)) as Person
    const org = await createOrganization(portico.app, owner, 'Hostile Org')
    const api = await publishedApi(portico.app, owner.token, org.id)
    const app = await application(portico.app, owner.token, org.id)
    const subscription = await subscribe(portico.app, owner.token, org.id, app.id, api.id)
    const key = await apiKey(portico.app, owner.token, org.id, app.id)
    real.org = [org.id, org.handle]
    real.id = [api.id, app.id]
    real.keyId = [key.id]
    real.subscriptionId = [subscription.id]
    real.userId = [owner.user.id]
  }, 180_000)
  afterAll(async () => {
    await portico?.close()
  })

  // guards: input the database refuses (NUL, forged cursors, broken UUIDs) answered 500 instead of 4xx
  it('answers no 5xx to any string in any path or query parameter of any route', async () => {
    const routes = routesOf(portico.app.swagger() as unknown as OpenApiDocument)
    expect(routes.length).toBeGreaterThan(30)
    for (const route of routes) {
      const parameters = [...route.pathParameters, ...route.queryParameters]
      const values = fc.record(
        Object.fromEntries(
          parameters.map((name) => [
            name,
            fc.oneof(
              { weight: 3, arbitrary: hostileString },
              { weight: 1, arbitrary: fc.constantFrom(...(real[name] ?? ['x'])) },
            ),
          ]),
        ),
      )
      await fc.assert(
        fc.asyncProperty(values, fc.subarray(route.queryParameters), async (chosen, query) => {
          let url = route.path.replace(/\{(\w+)\}/g, (_, name: string) => percentEncode(chosen[name] ?? ''))
          if (query.length > 0)
            url += `?${query.map((name) => `${name}=${percentEncode(chosen[name] ?? '')}`).join('&')}`
          const response = await portico.app.inject({
            method: route.method,
            url,
            headers: { authorization: `Bearer ${owner.token}` },
          })
          if (response.statusCode >= 500) {
            throw new Error(`${route.method} ${url} answered ${response.statusCode}: ${response.body}`)
          }
        }),
        { numRuns: parameters.length === 0 ? 1 : 25 },
      )
    }
    // Some thousand requests: generous on a loaded machine (a bound on work, not a timed assertion).
  }, 600_000)
})
