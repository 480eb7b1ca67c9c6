// Black-box tests of every Identity row of API.md, on PGlite and PostgreSQL, with mail read from a
// real SMTP server.
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databases } from '../helpers/databases.ts'
import { call, PASSWORD, signUp, uniqueEmail } from '../helpers/http.ts'
import { linkIn, type MailCatcher, startMailCatcher } from '../helpers/mail-catcher.ts'
import { PUBLIC_URL, startTestPortico, type TestPortico } from '../helpers/test-portico.ts'

const tokenOf = (link: string) => link.slice(link.lastIndexOf('/') + 1)

describe.each(databases)('identity on %s', (databaseName) => {
  let portico: TestPortico
  let mail: MailCatcher

  beforeAll(async () => {
    mail = await startMailCatcher()
    portico = await startTestPortico(databaseName, { mail })
  })
  afterAll(async () => {
    await portico?.close()
    await mail?.close()
  })

  const app = () => portico.app
  const countRows = async (table: 'users' | 'sessions') =>
    Number(
      (await sql<{ n: string }>`select count(*) as n from ${sql.table(table)}`.execute(portico.database.db))
        .rows[0]?.n,
    )

  describe('happy paths', () => {
    it('signs up, answers the user and a token that works as a bearer token and as a cookie', async () => {
      const email = uniqueEmail('Mixed.Case')
      const answer = await call(app(), 'POST', '/v1/auth/sign-up', {
        body: { email, password: PASSWORD, name: '  Grace Hopper ' },
      })
      expect(answer.status).toBe(201)
      expect(answer.body.user).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        email,
        name: 'Grace Hopper',
        emailVerified: false,
        createdAt: portico.clock.now().toISOString(),
      })
      expect(answer.body.token).toMatch(/^[A-Za-z0-9_-]{43}$/)
      const cookie = String(answer.headers['set-cookie'])
      expect(cookie).toContain(`portico_session=${answer.body.token}`)
      expect(cookie).toContain('HttpOnly')
      expect(cookie).toContain('SameSite=Lax')
      expect(cookie).not.toContain('Secure')

      const byBearer = await call(app(), 'GET', '/v1/me', { token: answer.body.token })
      expect(byBearer.status).toBe(200)
      expect(byBearer.body).toEqual({ user: answer.body.user, activeOrganizationId: null, organizations: [] })
      const byCookie = await call(app(), 'GET', '/v1/me', {
        headers: { cookie: `portico_session=${answer.body.token}` },
      })
      expect(byCookie.status).toBe(200)
      expect(byCookie.body.user.id).toBe(answer.body.user.id)
    })

    it('mails a verification link on sign-up, and the link verifies the email once', async () => {
      const { email, token } = await signUp(app())
      const mailed = await mail.next(email)
      expect(mailed.subject).toBe('Verify your email for Portico')
      expect(mailed.from).toContain('no-reply@localhost')
      const link = linkIn(mailed, `${PUBLIC_URL}/verify-email/`)
      expect(mailed.html).toContain(link)

      const confirmed = await call(app(), 'POST', '/v1/auth/email-verification/confirm', {
        body: { token: tokenOf(link) },
      })
      expect(confirmed.status).toBe(200)
      expect(confirmed.body.user).toMatchObject({ email, emailVerified: true })
      expect((await call(app(), 'GET', '/v1/me', { token })).body.user.emailVerified).toBe(true)

      const again = await call(app(), 'POST', '/v1/auth/email-verification/confirm', {
        body: { token: tokenOf(link) },
      })
      expect(again.status).toBe(410)
      expect(again.body.code).toBe('token_used')
    })

    it('sends a new verification mail on request (202) and the newest link works', async () => {
      const { email, token } = await signUp(app())
      await mail.next(email)
      const requested = await call(app(), 'POST', '/v1/auth/email-verification', { token })
      expect(requested.status).toBe(202)
      expect(requested.text).toBe('')
      const link = linkIn(await mail.next(email), `${PUBLIC_URL}/verify-email/`)
      const confirmed = await call(app(), 'POST', '/v1/auth/email-verification/confirm', {
        body: { token: tokenOf(link) },
      })
      expect(confirmed.status).toBe(200)
      expect(confirmed.body.user.emailVerified).toBe(true)
    })

    it('signs in with the email in any case and the right password', async () => {
      const { email, user } = await signUp(app())
      const answer = await call(app(), 'POST', '/v1/auth/sign-in', {
        body: { email: email.toUpperCase(), password: PASSWORD },
      })
      expect(answer.status).toBe(200)
      expect(answer.body.user).toEqual(user)
      expect(answer.body.token).toMatch(/^[A-Za-z0-9_-]{43}$/)
      expect((await call(app(), 'GET', '/v1/me', { token: answer.body.token })).status).toBe(200)
    })

    it('signs out: 204, and that token stops working at once while other sessions go on', async () => {
      const { email, token } = await signUp(app())
      const other = (await call(app(), 'POST', '/v1/auth/sign-in', { body: { email, password: PASSWORD } }))
        .body.token
      const out = await call(app(), 'POST', '/v1/auth/sign-out', { token })
      expect(out.status).toBe(204)
      expect(out.text).toBe('')
      expect(String(out.headers['set-cookie'])).toContain('portico_session=;')
      expect((await call(app(), 'GET', '/v1/me', { token })).status).toBe(401)
      expect((await call(app(), 'GET', '/v1/me', { token: other })).status).toBe(200)
    })

    it('resets a password by mail: 202, the link sets the password and ends every session', async () => {
      const { email, token } = await signUp(app())
      await mail.next(email)
      const requested = await call(app(), 'POST', '/v1/auth/password-reset', { body: { email } })
      expect(requested.status).toBe(202)
      const mailed = await mail.next(email)
      expect(mailed.subject).toBe('Reset your Portico password')
      const link = linkIn(mailed, `${PUBLIC_URL}/reset-password/`)

      const confirmed = await call(app(), 'POST', '/v1/auth/password-reset/confirm', {
        body: { token: tokenOf(link), password: 'a brand new password' },
      })
      expect(confirmed.status).toBe(204)
      expect((await call(app(), 'GET', '/v1/me', { token })).status).toBe(401)
      expect(
        (await call(app(), 'POST', '/v1/auth/sign-in', { body: { email, password: PASSWORD } })).status,
      ).toBe(401)
      const signedIn = await call(app(), 'POST', '/v1/auth/sign-in', {
        body: { email, password: 'a brand new password' },
      })
      expect(signedIn.status).toBe(200)
      expect(signedIn.body.user.emailVerified).toBe(true)
    })

    it('answers 202 to a password reset for an unknown email and mails nothing', async () => {
      const email = uniqueEmail('nobody')
      const answer = await call(app(), 'POST', '/v1/auth/password-reset', { body: { email } })
      expect(answer.status).toBe(202)
      await expect(mail.next(email, 300)).rejects.toThrow(/no mail/)
    })

    it('keeps the session alive by sliding its expiry, and ends it 30 days after the last use', async () => {
      const { token } = await signUp(app())
      portico.clock.advance(29 * 24 * 3600 * 1000)
      expect((await call(app(), 'GET', '/v1/me', { token })).status).toBe(200)
      portico.clock.advance(29 * 24 * 3600 * 1000)
      expect((await call(app(), 'GET', '/v1/me', { token })).status).toBe(200)
      portico.clock.advance(30 * 24 * 3600 * 1000 + 1000)
      expect((await call(app(), 'GET', '/v1/me', { token })).status).toBe(401)
    })
  })

  describe('errors', () => {
    it('refuses a second account with the same email in another case: 409 email_taken', async () => {
      const { email } = await signUp(app())
      const before = await countRows('users')
      const answer = await call(app(), 'POST', '/v1/auth/sign-up', {
        body: { email: email.toUpperCase(), password: PASSWORD, name: 'Twin' },
      })
      expect(answer.status).toBe(409)
      expect(answer.headers['content-type']).toBe('application/problem+json; charset=utf-8')
      expect(answer.body).toEqual({
        type: 'urn:portico:problem:email_taken',
        title: 'Conflict',
        status: 409,
        detail: 'an account with this email already exists',
        code: 'email_taken',
      })
      expect(await countRows('users')).toBe(before)
    })

    it.each([
      ['a short password', { password: 'short' }, '/password'],
      ['a missing name', { name: undefined }, '/name'],
      ['a blank name', { name: '   ' }, '/name'],
      ['a name with a line break', { name: 'Eve\r\nBcc: x@y.z' }, '/name'],
      ['an email with a line break', { email: 'a@b.co\r\nBcc: x@y.z' }, '/email'],
      ['two emails', { email: 'a@b.co, c@d.co' }, '/email'],
      ['a display-name email', { email: 'Ann <a@b.co>' }, '/email'],
      ['a number for the email', { email: 42 }, '/email'],
      ['an extra field', { id: '00000000-0000-0000-0000-000000000000' }, '/id'],
      ['an over-long password', { password: 'x'.repeat(1025) }, '/password'],
    ])(
      'refuses sign-up with %s: 400 validation_failed naming the field, nothing created',
      async (_, change, path) => {
        const before = await countRows('users')
        const body = { email: uniqueEmail(), password: PASSWORD, name: 'Val', ...change }
        const answer = await call(app(), 'POST', '/v1/auth/sign-up', { body })
        expect(answer.status).toBe(400)
        expect(answer.body.code).toBe('validation_failed')
        expect(answer.body.errors).toContainEqual(expect.objectContaining({ in: 'body', path }))
        expect(await countRows('users')).toBe(before)
      },
    )

    it('answers invalid_credentials alike for a wrong password and an unknown email', async () => {
      const { email } = await signUp(app())
      const wrongPassword = await call(app(), 'POST', '/v1/auth/sign-in', {
        body: { email, password: 'not the password' },
      })
      const unknownEmail = await call(app(), 'POST', '/v1/auth/sign-in', {
        body: { email: uniqueEmail('ghost'), password: PASSWORD },
      })
      for (const answer of [wrongPassword, unknownEmail]) {
        expect(answer.status).toBe(401)
        expect(answer.body).toEqual({
          type: 'urn:portico:problem:invalid_credentials',
          title: 'Unauthorized',
          status: 401,
          detail: 'the email or the password is wrong',
          code: 'invalid_credentials',
        })
      }
    })

    it.each([
      ['no token', undefined],
      ['an unknown token', 'A'.repeat(43)],
      ['a malformed token', 'not a token'],
    ])('answers 401 unauthenticated to /v1/me with %s', async (_, token) => {
      const answer = await call(app(), 'GET', '/v1/me', { token })
      expect(answer.status).toBe(401)
      expect(answer.body.code).toBe('unauthenticated')
      expect(answer.headers['www-authenticate']).toBe('Bearer')
    })

    it('answers 401 to sign-out and verification requests without a session', async () => {
      expect((await call(app(), 'POST', '/v1/auth/sign-out')).body.code).toBe('unauthenticated')
      expect((await call(app(), 'POST', '/v1/auth/email-verification')).body.code).toBe('unauthenticated')
    })

    it('refuses unknown and expired verification tokens with 410 and verifies nothing', async () => {
      const { email, token } = await signUp(app())
      const link = linkIn(await mail.next(email), `${PUBLIC_URL}/verify-email/`)
      const unknown = await call(app(), 'POST', '/v1/auth/email-verification/confirm', {
        body: { token: 'B'.repeat(43) },
      })
      expect(unknown.status).toBe(410)
      expect(unknown.body.code).toBe('token_invalid')
      portico.clock.advance(24 * 3600 * 1000 + 1)
      const expired = await call(app(), 'POST', '/v1/auth/email-verification/confirm', {
        body: { token: tokenOf(link) },
      })
      expect(expired.status).toBe(410)
      expect(expired.body.code).toBe('token_expired')
      expect((await call(app(), 'GET', '/v1/me', { token })).body.user.emailVerified).toBe(false)
    })

    it('refuses a used or expired reset token with 410, and a short new password with 400', async () => {
      const { email } = await signUp(app())
      await mail.next(email)
      await call(app(), 'POST', '/v1/auth/password-reset', { body: { email } })
      const first = tokenOf(linkIn(await mail.next(email), `${PUBLIC_URL}/reset-password/`))
      await call(app(), 'POST', '/v1/auth/password-reset', { body: { email } })
      const second = tokenOf(linkIn(await mail.next(email), `${PUBLIC_URL}/reset-password/`))

      const short = await call(app(), 'POST', '/v1/auth/password-reset/confirm', {
        body: { token: first, password: 'short' },
      })
      expect(short.status).toBe(400)
      expect(short.body.code).toBe('validation_failed')

      expect(
        (
          await call(app(), 'POST', '/v1/auth/password-reset/confirm', {
            body: { token: first, password: 'password one!' },
          })
        ).status,
      ).toBe(204)
      // Using one link retires the other links of the same kind.
      const used = await call(app(), 'POST', '/v1/auth/password-reset/confirm', {
        body: { token: second, password: 'password two!' },
      })
      expect(used.status).toBe(410)
      expect(used.body.code).toBe('token_used')

      await call(app(), 'POST', '/v1/auth/password-reset', { body: { email } })
      const third = tokenOf(linkIn(await mail.next(email), `${PUBLIC_URL}/reset-password/`))
      portico.clock.advance(3600 * 1000 + 1)
      const expired = await call(app(), 'POST', '/v1/auth/password-reset/confirm', {
        body: { token: third, password: 'password three' },
      })
      expect(expired.status).toBe(410)
      expect(expired.body.code).toBe('token_expired')
      expect(
        (await call(app(), 'POST', '/v1/auth/sign-in', { body: { email, password: 'password one!' } }))
          .status,
      ).toBe(200)
    })

    it('accepts sign-up with an invitation token that is no pending invitation, and still mails a verification', async () => {
      const email = uniqueEmail('invited')
      const answer = await call(app(), 'POST', '/v1/auth/sign-up', {
        body: { email, password: PASSWORD, name: 'Invitee', invitationToken: 'C'.repeat(43) },
      })
      expect(answer.status).toBe(201)
      expect(answer.body.user.emailVerified).toBe(false)
      expect((await mail.next(email)).subject).toBe('Verify your email for Portico')
    })
  })

  describe('security', () => {
    it('limits failed sign-ins per email to 10 per 15 minutes: 429 with Retry-After, even with the right password', async () => {
      const { email } = await signUp(app())
      for (let i = 0; i < 10; i++) {
        expect(
          (await call(app(), 'POST', '/v1/auth/sign-in', { body: { email, password: `wrong ${i} guess` } }))
            .status,
        ).toBe(401)
      }
      const limited = await call(app(), 'POST', '/v1/auth/sign-in', { body: { email, password: PASSWORD } })
      expect(limited.status).toBe(429)
      expect(limited.body.code).toBe('rate_limited')
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0)
      portico.clock.advance(15 * 60 * 1000)
      expect(
        (await call(app(), 'POST', '/v1/auth/sign-in', { body: { email, password: PASSWORD } })).status,
      ).toBe(200)
    })

    it('limits password-reset requests per email, known or not, to 5 per 15 minutes', async () => {
      const email = uniqueEmail('reset-flood')
      for (let i = 0; i < 5; i++) {
        expect((await call(app(), 'POST', '/v1/auth/password-reset', { body: { email } })).status).toBe(202)
      }
      const limited = await call(app(), 'POST', '/v1/auth/password-reset', { body: { email } })
      expect(limited.status).toBe(429)
      expect(limited.body.code).toBe('rate_limited')
    })

    it('refuses a cookie-authenticated write from another origin, and allows it from its own', async () => {
      const { token } = await signUp(app())
      const cookie = `portico_session=${token}`
      const foreign = await call(app(), 'POST', '/v1/auth/email-verification', {
        headers: { cookie, origin: 'https://evil.example' },
      })
      expect(foreign.status).toBe(403)
      expect(foreign.body.code).toBe('forbidden')
      const own = await call(app(), 'POST', '/v1/auth/email-verification', {
        headers: { cookie, origin: PUBLIC_URL },
      })
      expect(own.status).toBe(202)
      // A bearer token cannot be sent by a foreign page, so no origin check applies to it.
      expect(
        (
          await call(app(), 'POST', '/v1/auth/email-verification', {
            token,
            headers: { origin: 'https://evil.example' },
          })
        ).status,
      ).toBe(202)
    })

    it('stores only hashes of session tokens, and argon2id hashes of passwords', async () => {
      const { token, user } = await signUp(app())
      const stored = await portico.database.db
        .selectFrom('sessions')
        .innerJoin('users', 'users.id', 'sessions.user_id')
        .select(['token_hash', 'password_hash'])
        .where('users.id', '=', user.id)
        .execute()
      expect(stored).toHaveLength(1)
      expect(stored[0]?.token_hash).toMatch(/^[0-9a-f]{64}$/)
      expect(stored[0]?.token_hash).not.toContain(token)
      expect(stored[0]?.password_hash).toMatch(/^\$argon2id\$/)
    })

    it('never writes passwords, tokens, cookies or Authorization headers to the log', async () => {
      const password = 'a very secret password 123'
      const { email, token } = await signUp(app(), { password })
      const verifyLink = linkIn(await mail.next(email), `${PUBLIC_URL}/verify-email/`)
      await call(app(), 'GET', '/v1/me', { token, headers: { cookie: `portico_session=${token}` } })
      await call(app(), 'POST', '/v1/auth/sign-in', { body: { email, password } })
      await call(app(), 'POST', '/v1/auth/email-verification/confirm', {
        body: { token: tokenOf(verifyLink) },
      })
      const log = portico.logs.join('')
      expect(log).toContain('/v1/me')
      for (const secret of [password, token, tokenOf(verifyLink)]) expect(log).not.toContain(secret)
      expect(log.toLowerCase()).not.toContain('authorization')
    })
  })
})
