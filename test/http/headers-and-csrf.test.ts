// Black-box tests of what every answer carries for the browser's protection (nosniff, HSTS,
// no-store on secrets, no framing of /docs), of the CSRF rule for cookie-authenticated writes, and
// of what Portico must not leak (source maps, /metrics behind METRICS_TOKEN), on PGlite and PostgreSQL.
import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readConfig } from '../../src/config.ts'
import { createLogger } from '../../src/http/logging.ts'
import { type Portico, startPortico } from '../../src/portico.ts'
import { databases } from '../helpers/databases.ts'
import { call, signUp } from '../helpers/http.ts'
import { createOrganization } from '../helpers/organizations.ts'
import { application } from '../helpers/portal.ts'
import { PUBLIC_URL, startTestPortico, type TestPortico } from '../helpers/test-portico.ts'

const assets = fileURLToPath(new URL('../../web/dist/assets/', import.meta.url))

describe.each(databases)('headers, CSRF and leaks on %s', (databaseName) => {
  let portico: TestPortico
  // A second instance on the same database, configured for https and with a metrics token.
  let secure: Portico
  beforeAll(async () => {
    portico = await startTestPortico(databaseName, { env: { ORG_CREATION_LIMIT: '0' } })
    secure = await startPortico(
      readConfig({ PUBLIC_URL: 'https://portico.example', METRICS_TOKEN: 'scrape-me' }),
      { database: portico.database, logger: createLogger({ level: 'silent' }) },
    )
  })
  afterAll(async () => {
    // The database is the first instance's: stop the second one's parts only.
    await secure?.app.close()
    await secure?.dispatcher.stop()
    await secure?.keyVerifier.stop()
    await secure?.sessionCache.stop()
    await portico?.close()
  })
  const app = () => portico.app

  describe('headers', () => {
    it('sends X-Content-Type-Options: nosniff on every answer, API and errors included', async () => {
      // guards: MIME sniffing of API answers (JSON read as HTML by an old browser)
      const { token } = await signUp(app())
      const answers = [
        await call(app(), 'GET', '/v1/me', { token }),
        await call(app(), 'GET', '/v1/me'),
        await call(app(), 'GET', '/v1/nothing-here'),
        await call(app(), 'POST', '/v1/auth/sign-in', { body: '{broken' }),
        await call(app(), 'GET', '/healthz'),
        await call(app(), 'GET', '/openapi.json'),
        await call(app(), 'GET', '/'),
      ]
      for (const answer of answers) expect(answer.headers['x-content-type-options']).toBe('nosniff')
    })

    it('sends Strict-Transport-Security only when PUBLIC_URL is https', async () => {
      // guards: TLS stripping of an https deployment (no HSTS)
      for (const path of ['/healthz', '/v1/me', '/']) {
        expect((await call(secure.app, 'GET', path)).headers['strict-transport-security']).toBe(
          'max-age=31536000; includeSubDomains',
        )
        expect((await call(app(), 'GET', path)).headers['strict-transport-security']).toBeUndefined()
      }
    })

    it('answers Cache-Control: no-store wherever a session token, invitation token or key secret travels', async () => {
      // guards: secrets kept by shared or browser caches
      const owner = await signUp(app())
      expect(owner.token).toBeTruthy()
      const signUpAnswer = await call(app(), 'POST', '/v1/auth/sign-up', {
        body: { email: `nostore-${Date.now()}@example.com`, password: 'correct horse battery', name: 'N' },
      })
      expect(signUpAnswer.status).toBe(201)
      expect(signUpAnswer.headers['cache-control']).toBe('no-store')
      const signIn = await call(app(), 'POST', '/v1/auth/sign-in', {
        body: { email: owner.email, password: 'correct horse battery' },
      })
      expect(signIn.status).toBe(200)
      expect(signIn.headers['cache-control']).toBe('no-store')

      const org = await createOrganization(app(), owner, 'No Store')
      const shop = await application(app(), owner.token, org.id)
      const base = `/v1/organizations/${org.id}/applications/${shop.id}/keys`
      const created = await call(app(), 'POST', base, {
        token: owner.token,
        body: { environment: 'production' },
      })
      expect(created.status).toBe(201)
      expect(created.headers['cache-control']).toBe('no-store')
      const rotated = await call(app(), 'POST', `${base}/${created.body.id}/rotate`, { token: owner.token })
      expect(rotated.status).toBe(201)
      expect(rotated.headers['cache-control']).toBe('no-store')

      // The invitation token travels in the path of the preview, accept and decline.
      const preview = await call(app(), 'GET', '/v1/invitations/not-a-real-token-but-shaped-like-one-xxxxxx')
      expect(preview.headers['cache-control']).toBe('no-store')

      // Answers without secrets are left to the usual rules.
      expect(
        (await call(app(), 'GET', '/v1/me', { token: owner.token })).headers['cache-control'],
      ).toBeUndefined()
    })

    it('forbids framing the API reference at /docs', async () => {
      // guards: clickjacking of the API reference page
      let answer = await app().inject({ method: 'GET', url: '/docs' })
      if (answer.statusCode === 302)
        answer = await app().inject({ method: 'GET', url: String(answer.headers.location) })
      expect(answer.statusCode).toBe(200)
      expect(answer.headers['content-security-policy']).toContain("frame-ancestors 'none'")
      expect(answer.headers['x-frame-options']).toBe('DENY')
    })
  })

  describe('CSRF', () => {
    it('refuses a cookie-authenticated write with no Origin and a cross-site Referer', async () => {
      // guards: CSRF through a request without Origin (Referer from another site)
      const owner = await signUp(app())
      const org = await createOrganization(app(), owner, 'Csrf Referer')
      const rename = (headers: Record<string, string>) =>
        call(app(), 'PATCH', `/v1/organizations/${org.id}`, {
          headers: { cookie: `portico_session=${owner.token}`, ...headers },
          body: { name: 'Renamed' },
        })
      const refused = await rename({ referer: 'https://evil.example/page' })
      expect(refused.status).toBe(403)
      expect(refused.body.code).toBe('forbidden')
      expect((await rename({ 'sec-fetch-site': 'cross-site' })).status).toBe(403)
      expect((await rename({ 'sec-fetch-site': 'same-site' })).status).toBe(403)
      expect((await rename({ origin: 'null' })).status).toBe(403)
      // Nothing at all to tell where it came from: refused too.
      expect((await rename({})).status).toBe(403)
      const name = await call(app(), 'GET', `/v1/organizations/${org.id}`, { token: owner.token })
      expect(name.body.name).toBe('Csrf Referer')

      expect((await rename({ origin: PUBLIC_URL })).status).toBe(200)
      expect((await rename({ referer: `${PUBLIC_URL}/settings` })).status).toBe(200)
      expect((await rename({ 'sec-fetch-site': 'same-origin' })).status).toBe(200)
      // A same-origin Origin decides, whatever else is sent; a cross-site one refuses likewise.
      expect((await rename({ origin: PUBLIC_URL, referer: 'https://evil.example/' })).status).toBe(200)
      expect((await rename({ origin: 'https://evil.example', referer: `${PUBLIC_URL}/` })).status).toBe(403)
      // A bearer token cannot be sent by a foreign page: no such rule for it.
      expect(
        (
          await call(app(), 'PATCH', `/v1/organizations/${org.id}`, {
            token: owner.token,
            headers: { referer: 'https://evil.example/' },
            body: { name: 'By Bearer' },
          })
        ).status,
      ).toBe(200)
      // Reads are not writes.
      expect(
        (
          await call(app(), 'GET', `/v1/organizations/${org.id}`, {
            headers: { cookie: `portico_session=${owner.token}`, referer: 'https://evil.example/' },
          })
        ).status,
      ).toBe(200)
    })
  })

  describe('leaks', () => {
    it('serves no source maps of the console', async () => {
      // guards: source maps exposing server code (the reserved-handle list) to anyone
      const scripts = readdirSync(assets).filter((name) => name.endsWith('.js'))
      expect(scripts.length).toBeGreaterThan(0)
      for (const script of scripts) {
        expect((await app().inject({ method: 'GET', url: `/assets/${script}` })).statusCode).toBe(200)
        const map = await app().inject({ method: 'GET', url: `/assets/${script}.map` })
        expect(map.statusCode).toBe(404)
      }
      expect(readdirSync(assets).filter((name) => name.endsWith('.map'))).toEqual([])
    })

    it('requires METRICS_TOKEN for /metrics when it is set, and leaves /metrics open when not', async () => {
      // guards: metrics readable by anyone who reaches the port
      const missing = await call(secure.app, 'GET', '/metrics')
      expect(missing.status).toBe(401)
      expect(missing.body.code).toBe('unauthenticated')
      expect(missing.headers['www-authenticate']).toBe('Bearer')
      expect((await call(secure.app, 'GET', '/metrics', { token: 'scrape-me-not' })).status).toBe(401)
      expect(
        (await call(secure.app, 'GET', '/metrics', { headers: { authorization: 'scrape-me' } })).status,
      ).toBe(401)
      const scraped = await call(secure.app, 'GET', '/metrics', { token: 'scrape-me' })
      expect(scraped.status).toBe(200)
      expect(scraped.text).toContain('portico_http_requests_total')
      expect((await call(app(), 'GET', '/metrics')).status).toBe(200)
    })
  })
})
