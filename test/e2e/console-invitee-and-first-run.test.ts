import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { decodedWidth, PASSWORD, useConsole } from '../helpers/console-harness.ts'
import { databases, openTestDatabase } from '../helpers/databases.ts'
import { images } from '../helpers/images.ts'
import { linkIn } from '../helpers/mail-catcher.ts'
import { freePort, spawnServer, waitUntilReady } from '../helpers/server-process.ts'

describe('the console: the invitee, the first run, external API subscribers', () => {
  const portico = useConsole({ name: 'first-run', env: { RATE_LIMIT: 'off' } })
  const { call, signUp, newPage, signIn } = portico
  let lumenOwner: string
  let plainOwner: string

  beforeAll(async () => {
    // One owner with a logo and one without, shared by the tests below (each may create one).
    lumenOwner = await signUp('Lena Lumen', 'lena@lumen.example')
    await portico.mail.next('lena@lumen.example')
    await call(lumenOwner, 'POST', '/v1/organizations', { name: 'Lumen Labs', handle: 'lumen-labs' })
    await call(lumenOwner, 'PUT', '/v1/organizations/lumen-labs/logo', images.png(16, 16))
    plainOwner = await signUp('Paul Plain', 'paul@plain.example')
    await portico.mail.next('paul@plain.example')
    await call(plainOwner, 'POST', '/v1/organizations', { name: 'Plain Co', handle: 'plain-co' })
  }, 200_000)

  /** Invites `email` into `handle` with `roles`: the invitation's id and the token of the mailed link. */
  async function invite(owner: string, handle: string, email: string, roles = ['member']) {
    const invitation = await call(owner, 'POST', `/v1/organizations/${handle}/invitations`, { email, roles })
    const link = linkIn(await portico.mail.next(email), `${portico.base}/invitations/`)
    return { id: invitation.id as string, token: link.slice(`${portico.base}/invitations/`.length) }
  }

  it('shows the invitee the logo (initials without one), Accept and Decline at home, and what became of an answered or revoked invitation', async () => {
    const { token: lumenToken } = await invite(lumenOwner, 'lumen-labs', 'ivy@invitee.example', ['admin'])
    const { token: plainToken } = await invite(plainOwner, 'plain-co', 'ivy@invitee.example')
    const page = await newPage()

    // The link, signed out: the organization's logo is loaded (the invitee is no member of it).
    await page.goto(`${portico.base}/invitations/${lumenToken}`)
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Join Lumen Labs')
    expect(await page.locator('main').textContent()).toContain(
      'Lena Lumen invited ivy@invitee.example as Administrator.',
    )
    expect(await decodedWidth(page.locator('main img.logo'))).toBe(16)

    // Registered from the link (so verified), the home page lists both with Accept and Decline.
    await signUp('Ivy Invitee', 'ivy@invitee.example', lumenToken)
    await signIn(page, 'ivy@invitee.example', /\/$/)
    const cards = page.locator('main .cards li')
    await expect.poll(() => cards.count()).toBe(2)
    const lumenCard = cards.filter({ hasText: 'Lumen Labs' })
    const plainCard = cards.filter({ hasText: 'Plain Co' })
    expect(await decodedWidth(lumenCard.locator('img.logo'))).toBe(16)
    expect(await plainCard.locator('img').count()).toBe(0)
    expect(await plainCard.locator('.logo.placeholder').textContent()).toBe('PC')
    for (const card of [lumenCard, plainCard]) {
      expect(await card.getByRole('button').allTextContents()).toEqual(['Accept', 'Decline'])
    }

    await plainCard.getByRole('button', { name: 'Decline' }).click()
    await expect
      .poll(() => page.getByRole('status').filter({ hasText: 'declined' }).textContent())
      .toBe('You declined the invitation to Plain Co; its inviter can send another.')
    // The list is read again after the message shows.
    await expect.poll(() => cards.count()).toBe(1)

    // The declined link says what happened and what to do next.
    await page.goto(`${portico.base}/invitations/${plainToken}`)
    await expect.poll(() => page.getByRole('heading', { level: 2 }).textContent()).toBe('Invitation declined')
    expect(await page.getByRole('status').locator('p').allTextContents()).toEqual([
      'This invitation was declined, so ivy@invitee.example did not join Plain Co. If that was a mistake, ask Paul Plain to invite you again.',
      'Go to your organizations',
    ])

    // A revoked one, opened signed out: withdrawn, and the way in.
    const revoked = await invite(plainOwner, 'plain-co', 'rex@invitee.example')
    await call(plainOwner, 'DELETE', `/v1/organizations/plain-co/invitations/${revoked.id}`)
    const stranger = await newPage()
    await stranger.goto(`${portico.base}/invitations/${revoked.token}`)
    await expect
      .poll(() => stranger.getByRole('heading', { level: 2 }).textContent())
      .toBe('Invitation revoked')
    expect(await stranger.getByRole('status').locator('p').allTextContents()).toEqual([
      'Plain Co withdrew this invitation. If you still expect to join, ask Paul Plain for a new one.',
      'Sign in',
    ])

    // Accept at home: into Lumen Labs.
    await page.goto(`${portico.base}/`)
    await page.getByRole('button', { name: 'Accept the invitation to Lumen Labs' }).click()
    await page.waitForURL(/\/o\/lumen-labs\/members$/)
  })

  // A second server whose invitations live two seconds, on PostgreSQL (it starts in seconds where
  // PGlite takes a minute on a loaded machine): the expired link says so, when, and what to do.
  it.runIf(databases.includes('postgres'))(
    'says an expired invitation expired, when, and that its inviter can send it again',
    async () => {
      const database = await openTestDatabase('postgres')
      const port = await freePort()
      const shortLived = spawnServer({
        PORT: String(port),
        DATA_DIR: join(portico.dataDir, 'short-lived'),
        DATABASE_URL: database.url ?? '',
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        SMTP_URL: portico.mail.url,
        RATE_LIMIT: 'off',
        INVITATION_TTL_HOURS: '0.0006',
      })
      try {
        await waitUntilReady(shortLived)
        const at = (path: string, init: RequestInit = {}) => fetch(`${shortLived.url}${path}`, init)
        const json = { 'content-type': 'application/json' }
        const owner = await (
          await at('/v1/auth/sign-up', {
            method: 'POST',
            headers: json,
            body: JSON.stringify({ name: 'Olive Owner', email: 'olive@brief.example', password: PASSWORD }),
          })
        ).json()
        const auth = { ...json, authorization: `Bearer ${owner.token}` }
        await at('/v1/organizations', {
          method: 'POST',
          headers: auth,
          body: JSON.stringify({ name: 'Brief Co', handle: 'brief-co' }),
        })
        await at('/v1/organizations/brief-co/invitations', {
          method: 'POST',
          headers: auth,
          body: JSON.stringify({ email: 'late@brief.example', roles: ['member'] }),
        })
        const link = linkIn(await portico.mail.next('late@brief.example'), `${shortLived.url}/invitations/`)
        const token = link.slice(`${shortLived.url}/invitations/`.length)
        expect(token).toHaveLength(43)
        await expect
          .poll(async () => (await (await at(`/v1/invitations/${token}`)).json()).status, { timeout: 30_000 })
          .toBe('expired')

        const page = await newPage()
        await page.goto(`${shortLived.url}/invitations/${token}`)
        await expect
          .poll(() => page.getByRole('heading', { level: 2 }).textContent())
          .toBe('Invitation expired')
        const [said, next] = await page.getByRole('status').locator('p').allTextContents()
        expect(said).toMatch(
          /^This invitation expired on .+\. Ask Olive Owner to send it again: a resent invitation comes with a new link\.$/,
        )
        expect(next).toBe('Sign in')
        expect(await page.getByRole('button', { name: /accept|decline/i }).count()).toBe(0)
      } finally {
        shortLived.child.kill('SIGTERM')
        await shortLived.exited
        await database.close()
      }
    },
  )

  it('lets a first-time person resend the verification mail and sign out, says the creation limit, checks the handle as typed, then offers to invite the team', async () => {
    await signUp('Fern First', 'fern@first.example')
    await portico.mail.next('fern@first.example')
    const page = await newPage()
    const availability: string[] = []
    page.on('request', (request) => {
      const url = new URL(request.url())
      if (url.pathname === '/v1/handle-availability') availability.push(url.searchParams.get('handle') ?? '')
    })
    await signIn(page, 'fern@first.example', /\/$/)
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Welcome, Fern First')

    await page.getByRole('button', { name: 'Resend verification email' }).click()
    await expect
      .poll(() => page.locator('main > .verify-email [role=status]').textContent())
      .toBe('A new link is on its way to fern@first.example.')
    expect(linkIn(await portico.mail.next('fern@first.example'), `${portico.base}/verify-email/`)).toMatch(
      /verify-email\/.+/,
    )
    await page.locator('.account-menu summary').click()
    expect(await page.locator('.account-menu').getByRole('button', { name: 'Sign out' }).isVisible()).toBe(
      true,
    )
    await page.locator('.account-menu summary').click()

    // The limit before the form; the handle derived from the name is checked and found taken.
    expect(await page.locator('main form .hint').first().textContent()).toBe(
      'You can create 1 organization; you have 0.',
    )
    await page.getByLabel('Organization name').pressSequentially('Lumen Labs')
    await expect
      .poll(() => page.locator('.field small.error').textContent())
      .toBe('lumen-labs is taken: choose another handle.')
    expect(await page.getByRole('button', { name: 'Create' }).isDisabled()).toBe(true)
    const handle = page.getByLabel('Slug URL (handle)')
    await handle.fill('fern-works')
    await expect
      .poll(() =>
        handle.evaluate(
          (input) => document.getElementById(input.getAttribute('aria-describedby') ?? '')?.textContent,
        ),
      )
      .toBe(
        'fern-works is available. Your organization will be at /o/fern-works; it cannot be changed later.',
      )
    expect(availability).toContain('lumen-labs')
    expect(availability).toContain('fern-works')
    // Only handles the rule allows are asked about (never "l", "lu", …).
    expect(availability.filter((asked) => asked.length < 3)).toEqual([])

    await page.getByRole('button', { name: 'Create' }).click()
    await expect.poll(() => page.getByRole('heading', { level: 2 }).textContent()).toBe('Invite your team')
    expect(await page.getByRole('button', { name: 'Skip for now' }).isVisible()).toBe(true)
    await page.getByLabel('Email').fill('gus@colleague.example')
    await page.getByLabel('Role').selectOption('admin')
    await page.getByRole('button', { name: 'Send invitation' }).click()
    await expect
      .poll(() => page.locator('#invite-team-title ~ [role=status]').textContent())
      .toBe('Invitation sent to gus@colleague.example.')
    // The name was typed as Lumen Labs (a name may repeat; the handle may not).
    expect((await portico.mail.next('gus@colleague.example')).subject).toBe(
      'Fern First invited you to Lumen Labs on Portico',
    )
    await page.getByRole('button', { name: 'Continue to Lumen Labs' }).click()
    await page.waitForURL(/\/o\/fern-works\/invitations$/)

    // The limit is reached: said, and no form.
    await page.goto(`${portico.base}/welcome`)
    await expect
      .poll(() => page.locator('section[aria-labelledby=create-title]').textContent())
      .toBe(
        'Create your organizationYou can create 1 organization; you have 1.To work in another organization, ask one of its owners or admins to invite you.',
      )

    // Sign out from the first-run page.
    await page.locator('.account-menu summary').click()
    await page.locator('.account-menu').getByRole('button', { name: 'Sign out' }).click()
    await page.waitForURL(/\/sign-in$/)
    await page.goto(`${portico.base}/welcome`)
    await page.waitForURL(/\/sign-in\?next=/)
  })

  it('offers an external API subscriber keys in development and production only, and shows only their own applications', async () => {
    await call(lumenOwner, 'POST', '/v1/organizations/lumen-labs/environments', { name: 'internal-qa' })
    await call(lumenOwner, 'POST', '/v1/organizations/lumen-labs/applications', {
      name: 'Lumen Internal App',
    })
    const { token: invitationToken } = await invite(lumenOwner, 'lumen-labs', 'eli@external.example', [
      'external-api-subscriber',
    ])
    const external = await signUp('Eli External', 'eli@external.example', invitationToken)
    await call(external, 'POST', `/v1/invitations/${invitationToken}/accept`)
    const own = await call(external, 'POST', '/v1/organizations/lumen-labs/applications', { name: 'Eli App' })

    const page = await newPage()
    const environmentLists: string[] = []
    page.on('request', (request) => {
      if (new URL(request.url()).pathname.endsWith('/environments')) environmentLists.push(request.url())
    })
    await signIn(page, 'eli@external.example', /\/o\/lumen-labs/)
    await page.goto(`${portico.base}/o/lumen-labs/applications`)
    await expect.poll(() => page.locator('main .cards li').allTextContents()).toEqual(['Eli App'])

    await page.getByRole('link', { name: 'Eli App' }).click()
    await page.waitForURL(new RegExp(`/applications/${own.id}$`))
    const environment = page.getByLabel('Environment')
    await expect
      .poll(() => environment.locator('option').allTextContents())
      .toEqual(['development', 'production'])
    await environment.selectOption('development')
    await page.getByRole('button', { name: 'Create key' }).click()
    await expect
      .poll(async () =>
        (await call(external, 'GET', `/v1/organizations/lumen-labs/applications/${own.id}/keys`)).items.map(
          (key: { environment: string }) => key.environment,
        ),
      )
      .toEqual(['development'])
    expect(environmentLists).toEqual([])
  })
})
