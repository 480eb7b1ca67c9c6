// What an attacker tried against sign-in, sign-up and password reset (issue 12), and what Portico
// answers instead, on PGlite and PostgreSQL, with mail read from a real SMTP server.
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databases } from '../helpers/databases.ts'
import { type Answer, call, PASSWORD, signUp, uniqueClientAddress, uniqueEmail } from '../helpers/http.ts'
import { linkIn, type MailCatcher, startMailCatcher } from '../helpers/mail-catcher.ts'
import { createOrganization } from '../helpers/organizations.ts'
import { PUBLIC_URL, startTestPortico, type TestPortico } from '../helpers/test-portico.ts'

const tokenOf = (link: string) => link.slice(link.lastIndexOf('/') + 1)

/** The known-device cookie an answer sets, as a Cookie header value (undefined when none). */
function deviceCookie(answer: Answer): string | undefined {
  const cookies = ([] as string[]).concat((answer.headers['set-cookie'] as string | string[]) ?? [])
  const device = cookies.find((cookie) => cookie.startsWith('portico_device='))
  return device?.split(';')[0]
}

const statuses = (answers: Answer[]) =>
  answers.reduce<Record<number, number>>((counts, answer) => {
    counts[answer.status] = (counts[answer.status] ?? 0) + 1
    return counts
  }, {})

describe.each(databases)('identity hardening on %s', (databaseName) => {
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
  const signIn = (email: string, password: string, options: { cookie?: string; client?: string } = {}) =>
    call(app(), 'POST', '/v1/auth/sign-in', {
      body: { email, password },
      headers: options.cookie ? { cookie: options.cookie } : {},
      remoteAddress: options.client ?? uniqueClientAddress(),
    })

  describe('sign-in guesses', () => {
    it('checks at most 10 guesses per email however many arrive at once, and lets none of a late batch in', async () => {
      // guards: check-then-act race on the per-email limit (the limit was checked before hashing and counted after)
      const { email } = await signUp(app())
      const client = uniqueClientAddress()
      const batch = await Promise.all([
        ...Array.from({ length: 50 }, (_, i) => signIn(email, `wrong guess ${i}`, { client })),
        signIn(email, PASSWORD, { client }),
      ])
      const wrong = statuses(batch.slice(0, 50))
      expect(wrong[401]).toBe(10)
      expect(wrong[429]).toBe(40)
      for (const answer of batch.filter((a) => a.status === 429)) {
        expect(answer.body.code).toBe('rate_limited')
        expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0)
      }
      // With the budget spent, the right password from an unknown client waits like any guess.
      expect((await signIn(email, PASSWORD)).status).toBe(429)
    })

    it('gives back the attempt of a successful sign-in: a correct password spends nothing', async () => {
      const { email } = await signUp(app())
      for (let i = 0; i < 12; i++) expect((await signIn(email, PASSWORD)).status).toBe(200)
      for (let i = 0; i < 10; i++) expect((await signIn(email, `wrong ${i} guess`)).status).toBe(401)
      expect((await signIn(email, PASSWORD)).status).toBe(429)
    })

    it("lets the owner in from a known device while someone else's guesses have spent the email's budget", async () => {
      // guards: account lockout as a weapon (10 wrong guesses from anywhere locked the owner out)
      const signedUp = await call(app(), 'POST', '/v1/auth/sign-up', {
        body: { email: uniqueEmail('owner'), password: PASSWORD, name: 'Owner' },
        remoteAddress: uniqueClientAddress(),
      })
      const email = signedUp.body.user.email as string
      const ownersDevice = deviceCookie(signedUp)
      expect(ownersDevice).toMatch(/^portico_device=[A-Za-z0-9_-]{43}$/)
      expect(String(signedUp.headers['set-cookie'])).toMatch(
        /portico_device=[^;]+; Max-Age=31536000; Path=\/v1\/auth\/sign-in; HttpOnly; SameSite=Strict/,
      )
      const attacker = await signUp(app(), { email: uniqueEmail('attacker') })
      const attackersDevice = deviceCookie(await signIn(attacker.email, PASSWORD))

      for (let i = 0; i < 10; i++) expect((await signIn(email, `guess ${i}`)).status).toBe(401)
      expect((await signIn(email, PASSWORD)).status).toBe(429)
      // A device known to another account is no way around the limit.
      expect((await signIn(email, PASSWORD, { cookie: attackersDevice })).status).toBe(429)
      expect((await signIn(email, PASSWORD, { cookie: `portico_device=${'A'.repeat(43)}` })).status).toBe(429)

      const owner = await signIn(email, PASSWORD, { cookie: ownersDevice })
      expect(owner.status).toBe(200)
      expect(owner.body.user.email).toBe(email)
      expect(deviceCookie(owner)).toBeUndefined()

      // The device has a budget of its own: guessing with a stolen device cookie stops at 10 too.
      for (let i = 0; i < 10; i++) {
        expect((await signIn(email, `device guess ${i}`, { cookie: ownersDevice })).status).toBe(401)
      }
      expect((await signIn(email, PASSWORD, { cookie: ownersDevice })).status).toBe(429)
    })

    it('remembers a new device at a successful sign-in, not at a failed one', async () => {
      const { email } = await signUp(app())
      expect(deviceCookie(await signIn(email, 'not the password'))).toBeUndefined()
      const device = deviceCookie(await signIn(email, PASSWORD))
      expect(device).toMatch(/^portico_device=/)
      const stored = await portico.database.db
        .selectFrom('known_devices')
        .innerJoin('users', 'users.id', 'known_devices.user_id')
        .select('token_hash')
        .where('users.email', '=', email)
        .execute()
      // One from sign-up, one from this sign-in; only hashes are kept.
      expect(stored).toHaveLength(2)
      for (const row of stored) expect(device).not.toContain(row.token_hash)
    })
  })

  describe('password reset', () => {
    it('lets the owner reset while an attacker has spent the reset mails, and then sign in from anywhere', async () => {
      // guards: account lockout as a weapon (reset mails and sign-in both blocked by someone else's requests)
      const { email } = await signUp(app())
      for (let i = 0; i < 10; i++) expect((await signIn(email, `guess ${i}`)).status).toBe(401)
      for (let i = 0; i < 5; i++) {
        const answer = await call(app(), 'POST', '/v1/auth/password-reset', {
          body: { email },
          remoteAddress: uniqueClientAddress(),
        })
        expect(answer.status).toBe(202)
      }
      const refused = await call(app(), 'POST', '/v1/auth/password-reset', { body: { email } })
      expect(refused.status).toBe(429)
      expect(refused.body.code).toBe('rate_limited')
      // Every mail the attacker caused reached the owner, with a link that outlives the refusal.
      await mail.next(email) // the verification mail of sign-up
      const links = []
      for (let i = 0; i < 5; i++) links.push(linkIn(await mail.next(email), `${PUBLIC_URL}/reset-password/`))
      const reset = await call(app(), 'POST', '/v1/auth/password-reset/confirm', {
        body: { token: tokenOf(links[4] ?? ''), password: 'the owner is back' },
      })
      expect(reset.status).toBe(204)
      expect((await signIn(email, 'the owner is back')).status).toBe(200)
    })

    it('answers before it looks the email up, so a known email takes no longer than an unknown one', async () => {
      // guards: timing side channel telling known emails from unknown ones on password reset
      const { email } = await signUp(app())
      await mail.next(email)
      let release = () => {}
      const released = new Promise<void>((resolve) => {
        release = resolve
      })
      let locked = () => {}
      const isLocked = new Promise<void>((resolve) => {
        locked = resolve
      })
      // Nobody may read users while this transaction lives; the answer must not wait for it.
      const holder = portico.database.db.transaction().execute(async (tx) => {
        await sql`lock table users in access exclusive mode`.execute(tx)
        locked()
        await released
      })
      await isLocked
      let lockReleased = false
      const answered = Promise.all([
        call(app(), 'POST', '/v1/auth/password-reset', { body: { email } }),
        call(app(), 'POST', '/v1/auth/password-reset', { body: { email: uniqueEmail('nobody') } }),
      ]).then((answers) => ({ answers, lockReleased }))
      // Without an answer in 5 s the lock is released anyway (so a failure cannot hang the rest);
      // the answers must then have come while it was held.
      const deadlock = setTimeout(() => {
        lockReleased = true
        release()
      }, 5_000)
      const { answers, lockReleased: releasedFirst } = await answered
      clearTimeout(deadlock)
      release()
      await holder
      expect(releasedFirst).toBe(false)
      expect(answers.map((answer) => answer.status)).toEqual([202, 202])
      expect(answers[0]?.text).toBe(answers[1]?.text)
      expect((await mail.next(email)).subject).toBe('Reset your Portico password')
    })
  })

  describe('sign-up', () => {
    it('limits sign-ups to 20 per client per 10 minutes: 429 with Retry-After, other clients go on', async () => {
      // guards: unlimited sign-ups (email enumeration through email_taken, argon2 CPU, mails to any address)
      const client = uniqueClientAddress()
      const taken = await signUp(app())
      const attempt = (email: string) =>
        call(app(), 'POST', '/v1/auth/sign-up', {
          body: { email, password: PASSWORD, name: 'Prober' },
          remoteAddress: client,
        })
      for (let i = 0; i < 19; i++) expect((await attempt(uniqueEmail('probe'))).status).toBe(201)
      expect((await attempt(taken.email)).status).toBe(409)
      const limited = await attempt(uniqueEmail('probe'))
      expect(limited.status).toBe(429)
      expect(limited.body.code).toBe('rate_limited')
      expect(Number(limited.headers['retry-after'])).toBe(600)
      // The answer no longer tells whether an email is taken.
      expect((await attempt(taken.email)).status).toBe(429)
      expect(
        (
          await call(app(), 'POST', '/v1/auth/sign-up', {
            body: { email: uniqueEmail(), password: PASSWORD, name: 'Other' },
            remoteAddress: uniqueClientAddress(),
          })
        ).status,
      ).toBe(201)
      portico.clock.advance(10 * 60 * 1000)
      expect((await attempt(uniqueEmail('probe'))).status).toBe(201)
    })
  })

  describe('mail to one address', () => {
    it('sends at most 10 invitation mails to one address per 15 minutes, whoever invites', async () => {
      // guards: inbox flooding through Portico (invitations resent without end, from any organization)
      const victim = uniqueEmail('victim')
      const invite = async (inviterName: string) => {
        const inviter = await signUp(app(), { name: inviterName })
        const org = await createOrganization(app(), inviter, `${inviterName} Org`)
        const created = await call(app(), 'POST', `/v1/organizations/${org.id}/invitations`, {
          token: inviter.token,
          body: { email: victim, roles: ['developer'] },
        })
        expect(created.status).toBe(201)
        return () =>
          call(app(), 'POST', `/v1/organizations/${org.id}/invitations/${created.body.id}/resend`, {
            token: inviter.token,
          })
      }
      const resendFirst = await invite('First')
      for (let i = 0; i < 4; i++) expect((await resendFirst()).status).toBe(200)
      const resendSecond = await invite('Second')
      for (let i = 0; i < 4; i++) expect((await resendSecond()).status).toBe(200)
      const refused = await resendSecond()
      expect(refused.status).toBe(429)
      expect(refused.body.code).toBe('rate_limited')
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0)
      expect((await resendFirst()).status).toBe(429)
      for (let i = 0; i < 10; i++) await mail.next(victim)
      await expect(mail.next(victim, 300)).rejects.toThrow(/no mail/)
      portico.clock.advance(15 * 60 * 1000)
      expect((await resendFirst()).status).toBe(200)
    })

    it('sends at most 5 verification mails to one address per 15 minutes', async () => {
      const { email, token } = await signUp(app())
      for (let i = 0; i < 4; i++) {
        expect((await call(app(), 'POST', '/v1/auth/email-verification', { token })).status).toBe(202)
      }
      const refused = await call(app(), 'POST', '/v1/auth/email-verification', { token })
      expect(refused.status).toBe(429)
      for (let i = 0; i < 5; i++) await mail.next(email)
    })

    it("says plainly in an invitation that the inviter's address is not verified", async () => {
      // guards: invitations passing for someone the inviter has not proved to be
      const unverified = await signUp(app(), { name: 'Mallory Claims' })
      const verified = await signUp(app(), { name: 'Victor Verified' })
      await portico.database.db
        .updateTable('users')
        .set({ email_verified_at: portico.clock.now() })
        .where('id', '=', verified.user.id)
        .execute()
      await call(app(), 'POST', '/v1/auth/sign-out', { token: verified.token })
      const verifiedToken = (await signIn(verified.email, PASSWORD)).body.token
      for (const [inviter, token] of [
        [unverified, unverified.token],
        [verified, verifiedToken],
      ] as const) {
        const org = await createOrganization(app(), { ...inviter, token }, `${inviter.user.name} Org`)
        const to = uniqueEmail('invitee')
        const created = await call(app(), 'POST', `/v1/organizations/${org.id}/invitations`, {
          token,
          body: { email: to, roles: ['developer'] },
        })
        expect(created.status).toBe(201)
        const sent = await mail.next(to)
        const warning = `${inviter.user.name} has not verified their email address yet: Portico cannot confirm who sent this invitation.`
        if (inviter === unverified) {
          expect(sent.text).toContain(warning)
          expect(sent.html).toContain(warning)
        } else {
          expect(sent.text).not.toContain('not verified')
          expect(sent.html).not.toContain('not verified')
        }
      }
    })
  })
})

describe('identity hardening without per-client limits', () => {
  it('lifts the per-client sign-up limit with RATE_LIMIT=off', { timeout: 120_000 }, async () => {
    const unlimited = await startTestPortico('pglite', { env: { RATE_LIMIT: 'off' } })
    try {
      for (let i = 0; i < 21; i++) {
        const answer = await call(unlimited.app, 'POST', '/v1/auth/sign-up', {
          body: { email: uniqueEmail('bulk'), password: PASSWORD, name: 'Bulk' },
        })
        expect(answer.status).toBe(201)
      }
    } finally {
      await unlimited.close()
    }
  })
})
