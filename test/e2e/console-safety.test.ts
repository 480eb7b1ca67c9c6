import { join } from 'node:path'
import type { Page, Request } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { useConsole } from '../helpers/console-harness.ts'
import { screenshots } from '../helpers/screenshots.ts'

describe('the console: never behind the person’s back', () => {
  const portico = useConsole({ name: 'safety', env: { ORG_CREATION_LIMIT: '0', RATE_LIMIT: 'off' } })
  const { call, signUp, newPage, signIn, joinAsMember } = portico

  /** The DELETE requests `page` makes, as "DELETE /path". */
  function deletions(page: Page): string[] {
    const seen: string[] = []
    page.on('request', (request) => {
      if (request.method() === 'DELETE') seen.push(`DELETE ${new URL(request.url()).pathname}`)
    })
    return seen
  }

  /** The requests `page` makes for exactly `path` (no query string). */
  function requestsTo(page: Page, path: string): Request[] {
    const seen: Request[] = []
    page.on('request', (request) => {
      if (request.url() === `${portico.base}${path}`) seen.push(request)
    })
    return seen
  }

  const switcher = (page: Page) => page.locator('header .switcher-button')
  /** The organization the switcher shows as current. */
  const current = (page: Page) =>
    page.locator('header .switcher-button > span:not([aria-hidden])').textContent()
  const alert = (page: Page) => page.locator('.load-error')

  it('keeps the organization when a load fails: the error and Retry show in place, the brand goes to this organization’s home, only the switcher changes it', async () => {
    const token = await signUp('Nina North', 'nina@example.com')
    const north = await call(token, 'POST', '/v1/organizations', { name: 'North Team', handle: 'north-team' })
    // South Team is created last: it is Nina's active organization, where "/" would take her.
    await call(token, 'POST', '/v1/organizations', { name: 'South Team', handle: 'south-team' })
    const page = await newPage()
    await signIn(page, 'nina@example.com')
    await page.waitForURL(`${portico.base}/o/south-team/members`)

    await page.goto(`${portico.base}/o/north-team/apis`)
    await page.getByRole('heading', { name: 'APIs' }).waitFor()
    const loads = requestsTo(page, '/v1/organizations/north-team')

    // One failed request (a proxy's 503 page) on the next navigation: the page stays, says so, offers Retry.
    await page.route(
      `${portico.base}/v1/organizations/north-team`,
      (route) =>
        route.fulfill({ status: 503, contentType: 'text/html', body: '<h1>503 Service Unavailable</h1>' }),
      { times: 1 },
    )
    await page
      .getByRole('navigation', { name: 'Organization' })
      .getByRole('link', { name: 'Members' })
      .click()
    await alert(page).waitFor()
    expect(await alert(page).textContent()).toBe(
      'Could not load the organization: the server answered 503Retry',
    )
    expect(page.url()).toBe(`${portico.base}/o/north-team/members`)
    expect(await current(page)).toBe('North Team')
    expect(await page.getByRole('heading', { name: 'Members' }).isVisible()).toBe(true)
    expect(loads.length).toBe(1)

    await page.getByRole('button', { name: 'Retry' }).click()
    await alert(page).waitFor({ state: 'detached' })
    expect(loads.length).toBe(2)
    expect(page.url()).toBe(`${portico.base}/o/north-team/members`)

    // A first load that fails: no eternal "Loading…", no other organization; Retry recovers.
    await page.route(
      `${portico.base}/v1/organizations/north-team`,
      (route) => route.fulfill({ status: 503, contentType: 'text/plain', body: 'upstream unavailable' }),
      { times: 1 },
    )
    await page.goto(`${portico.base}/o/north-team/environments`)
    await alert(page).waitFor()
    expect(await page.getByText('Loading…').count()).toBe(0)
    expect(page.url()).toBe(`${portico.base}/o/north-team/environments`)
    await page.getByRole('button', { name: 'Retry' }).click()
    await page.getByRole('heading', { name: 'Environments' }).waitFor()
    expect(await alert(page).count()).toBe(0)
    expect(page.url()).toBe(`${portico.base}/o/north-team/environments`)

    // The brand goes to this organization's home, not to the active one.
    await page.getByRole('link', { name: 'Portico' }).click()
    await page.waitForURL(`${portico.base}/o/north-team/members`)
    expect(await current(page)).toBe('North Team')

    // A list that cannot be loaded (its three retries failed too) says so in place of the list.
    const apisPath = `/v1/organizations/${north.id}/apis`
    const apiLists: string[] = []
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === apisPath) apiLists.push(request.url())
    })
    await page.route(
      (url) => url.pathname === apisPath,
      (route) => route.fulfill({ status: 503, contentType: 'text/plain', body: 'upstream unavailable' }),
      { times: 4 },
    )
    await page.getByRole('navigation', { name: 'Organization' }).getByRole('link', { name: 'APIs' }).click()
    await alert(page).waitFor({ timeout: 20_000 })
    expect(await alert(page).textContent()).toBe('Could not load the APIs: the server answered 503Retry')
    expect(apiLists.length).toBe(4)
    await page.getByRole('button', { name: 'Retry' }).click()
    await page.getByText('No APIs yet.').waitFor()
    expect(apiLists.length).toBe(5)
    expect(page.url()).toBe(`${portico.base}/o/north-team/apis`)
    await page.getByRole('link', { name: 'Members' }).click()

    // With the API unreachable, the console says so instead of "Loading…" forever, and Retry recovers.
    await page.route(`${portico.base}/v1/**`, (route) => route.abort('connectionrefused'))
    await page.reload()
    await alert(page).waitFor({ timeout: 15_000 })
    expect(await alert(page).textContent()).toBe(
      'Could not load your account: Portico could not be reachedRetry',
    )
    await page.unroute(`${portico.base}/v1/**`)
    await page.getByRole('button', { name: 'Retry' }).click()
    await page.getByRole('heading', { name: 'Members' }).waitFor()
    expect(page.url()).toBe(`${portico.base}/o/north-team/members`)

    // Only an explicit choice in the switcher changes the organization.
    await switcher(page).click()
    await page.getByRole('menuitemradio', { name: /South Team/ }).click()
    await page.waitForURL(`${portico.base}/o/south-team/members`)
    expect(await current(page)).toBe('South Team')
  })

  it('shows a real 404 page with a way back for unknown organizations, applications, APIs and paths', async () => {
    const token = await signUp('Lou Lost', 'lou@example.com')
    await call(token, 'POST', '/v1/organizations', { name: 'Lou Works', handle: 'lou-works' })
    const other = await signUp('Oscar Other', 'oscar@example.com')
    await call(other, 'POST', '/v1/organizations', { name: 'Oscar Co', handle: 'oscar-co' })
    const page = await newPage()
    await signIn(page, 'lou@example.com')
    await page.waitForURL(`${portico.base}/o/lou-works/members`)
    const heading = page.getByRole('heading', { name: 'Page not found' })

    // An organization that does not exist, and one that exists but is not Lou's, read the same.
    for (const handle of ['no-such-team', 'oscar-co']) {
      await page.goto(`${portico.base}/o/${handle}/apis`)
      await heading.waitFor()
      expect(await page.locator('.not-found p').first().textContent()).toBe(
        `There is no organization “${handle}” that you are a member of.`,
      )
      expect(page.url()).toBe(`${portico.base}/o/${handle}/apis`)
      expect(await page.title()).toBe('Page not found · Portico')
    }
    await page.getByRole('link', { name: 'Go to your organizations' }).click()
    await page.waitForURL(`${portico.base}/o/lou-works/members`)

    // An application that is not there: no live forms that fail on use.
    const missing = '00000000-0000-4000-8000-000000000000'
    await page.goto(`${portico.base}/o/lou-works/applications/${missing}`)
    await heading.waitFor()
    expect(await page.locator('.not-found p').first().textContent()).toBe(
      `There is no application with the ID ${missing} in Lou Works.`,
    )
    expect(await page.getByRole('button', { name: 'Create key' }).count()).toBe(0)
    expect(await page.getByRole('button', { name: 'Subscribe' }).count()).toBe(0)
    await page.getByRole('link', { name: 'Back to Applications' }).click()
    await page.waitForURL(`${portico.base}/o/lou-works/applications`)
    await page.getByText('No applications yet.').waitFor()

    // An existing application is found by its own request, not looked up in a list.
    const application = await call(token, 'POST', '/v1/organizations/lou-works/applications', {
      name: 'Lou App',
    })
    await page.goto(`${portico.base}/o/lou-works/applications/${application.id}`)
    await page.getByRole('heading', { name: 'Lou App' }).waitFor()

    await page.goto(`${portico.base}/o/lou-works/apis/${missing}`)
    await heading.waitFor()
    expect(await page.locator('.not-found p').first().textContent()).toBe(
      `There is no API with the ID ${missing} in Lou Works.`,
    )

    // A path that names no page in the organization, and one outside every organization.
    await page.goto(`${portico.base}/o/lou-works/nonsense`)
    await heading.waitFor()
    expect(await page.locator('.not-found p').first().textContent()).toBe(
      'There is no such page in Lou Works.',
    )
    expect(page.url()).toBe(`${portico.base}/o/lou-works/nonsense`)
    await page.getByRole('link', { name: 'Back to Lou Works' }).click()
    await page.waitForURL(`${portico.base}/o/lou-works/members`)

    await page.goto(`${portico.base}/nowhere/at/all`)
    await heading.waitFor()
    expect(await page.locator('.not-found p').first().textContent()).toBe('Nothing lives at this address.')
    await page.screenshot({ path: join(screenshots, 'page-not-found.png') })
    await page.getByRole('link', { name: 'Go to your organizations' }).click()
    await page.waitForURL(`${portico.base}/o/lou-works/members`)
  })

  it('asks before every destructive action, names what is destroyed, keeps a refusal inside the dialog, and deletes an organization only once its handle is typed', async () => {
    const dana = await signUp('Dana Delete', 'dana@example.com')
    const org = '/v1/organizations/delete-co'
    const company = await call(dana, 'POST', '/v1/organizations', { name: 'Delete Co', handle: 'delete-co' })
    // The console names the organization by its ID in its requests.
    const byId = `/v1/organizations/${company.id}`
    const orders = await call(dana, 'POST', `${org}/apis`, {
      name: 'Orders',
      version: 'v1',
      basePath: '/orders',
    })
    await call(dana, 'POST', `${org}/apis/${orders.id}/publish`)
    const staging = await call(dana, 'POST', `${org}/environments`, { name: 'staging' })
    const shop = await call(dana, 'POST', `${org}/applications`, { name: 'Shop' })
    const subscription = await call(dana, 'POST', `${org}/applications/${shop.id}/subscriptions`, {
      apiId: orders.id,
    })
    const key = await call(dana, 'POST', `${org}/applications/${shop.id}/keys`, { environment: 'production' })
    const mo = await joinAsMember(dana, 'delete-co', 'Mo Member', 'mo@example.com')
    await joinAsMember(dana, 'delete-co', 'Lee Leaver', 'lee@example.com')
    const pat = await call(dana, 'POST', `${org}/invitations`, {
      email: 'pat@example.com',
      roles: ['member'],
    })

    const page = await newPage()
    await signIn(page, 'dana@example.com')
    const deleted = deletions(page)
    const dialog = (title: string) => page.getByRole('dialog', { name: title })

    // Delete API: Cancel sends nothing; confirming is refused (it has a subscription), inside the dialog.
    await page.goto(`${portico.base}/o/delete-co/apis`)
    await page.getByRole('button', { name: 'Delete API Orders v1' }).click()
    expect(await dialog('Delete API').locator('p').first().textContent()).toBe(
      'Delete Orders v1 (/orders) and its plans? This cannot be undone.',
    )
    await dialog('Delete API').getByRole('button', { name: 'Cancel', exact: true }).click()
    await dialog('Delete API').waitFor({ state: 'hidden' })
    expect(deleted).toEqual([])
    await page.getByRole('button', { name: 'Delete API Orders v1' }).click()
    await dialog('Delete API').getByRole('button', { name: 'Delete API' }).click()
    await dialog('Delete API').getByRole('alert').waitFor()
    expect(await dialog('Delete API').getByRole('alert').textContent()).toBe(
      'this API has subscriptions: deprecate it before deleting it',
    )
    expect(deleted).toEqual([`DELETE ${byId}/apis/${orders.id}`])
    await dialog('Delete API').getByRole('button', { name: 'Cancel', exact: true }).click()

    // Revoke key, named by its prefix and last four characters; then Cancel subscription.
    await page.goto(`${portico.base}/o/delete-co/applications/${shop.id}`)
    const keyName = `${key.name} ${key.prefix}…${key.last4}`
    await page.getByRole('button', { name: `Revoke key ${keyName}` }).click()
    expect(await dialog('Revoke key').locator('p').first().textContent()).toBe(
      `Revoke ${key.name} ${key.prefix}…${key.last4} (production)? Requests with it are refused at once. This cannot be undone.`,
    )
    await dialog('Revoke key').getByRole('button', { name: 'Revoke key' }).click()
    await page.getByText('No keys yet.').waitFor()
    await page.getByRole('button', { name: 'Cancel subscription to Orders v1' }).click()
    expect(await dialog('Cancel subscription').locator('p').first().textContent()).toBe(
      'Cancel this application’s subscription to Orders v1? Its keys stop reaching that API at once.',
    )
    await dialog('Cancel subscription').getByRole('button', { name: 'Cancel subscription' }).click()
    await page.getByText('Not subscribed to any API yet.').waitFor()

    // Now the API can go; then the environment.
    await page.goto(`${portico.base}/o/delete-co/apis`)
    await page.getByRole('button', { name: 'Delete API Orders v1' }).click()
    await dialog('Delete API').getByRole('button', { name: 'Delete API' }).click()
    await page.getByText('No APIs yet.').waitFor()
    await page.getByRole('link', { name: 'Environments' }).click()
    await page.getByRole('button', { name: 'Delete environment staging' }).click()
    expect(await dialog('Delete environment').locator('p').first().textContent()).toBe(
      'Delete the environment staging? Only an environment without API keys can be deleted. This cannot be undone.',
    )
    await dialog('Delete environment').getByRole('button', { name: 'Delete environment' }).click()
    await page.getByRole('button', { name: 'Delete environment staging' }).waitFor({ state: 'detached' })

    // Revoke invitation, then Remove member.
    await page.getByRole('link', { name: 'Invitations' }).click()
    await page.getByRole('button', { name: 'Revoke invitation for pat@example.com' }).click()
    expect(await dialog('Revoke invitation').locator('p').first().textContent()).toBe(
      'Revoke the invitation for pat@example.com to Delete Co? Its link stops working; you can invite them again later.',
    )
    await dialog('Revoke invitation').getByRole('button', { name: 'Revoke invitation' }).click()
    await page
      .getByRole('button', { name: 'Revoke invitation for pat@example.com' })
      .waitFor({ state: 'detached' })
    await page.getByRole('link', { name: 'Members' }).click()
    await page.getByRole('button', { name: 'Remove member Mo Member' }).click()
    expect(await dialog('Remove member').locator('p').first().textContent()).toBe(
      'Mo Member will lose access to Delete Co: its members, APIs, applications, subscriptions and credentials, at once. API keys stay with the organization.',
    )
    await dialog('Remove member').getByRole('button', { name: 'Remove member' }).click()
    await page.getByRole('row', { name: /Mo Member/ }).waitFor({ state: 'detached' })
    expect(deleted).toEqual([
      `DELETE ${byId}/apis/${orders.id}`,
      `DELETE ${byId}/applications/${shop.id}/keys/${key.id}`,
      `DELETE ${byId}/applications/${shop.id}/subscriptions/${subscription.id}`,
      `DELETE ${byId}/apis/${orders.id}`,
      `DELETE ${byId}/environments/${staging.id}`,
      `DELETE ${byId}/invitations/${pat.id}`,
      `DELETE ${byId}/members/${mo}`,
    ])

    // Leave organization, from Lee's own browser.
    const lee = await newPage()
    await signIn(lee, 'lee@example.com')
    await lee.getByRole('link', { name: 'Members' }).click()
    await lee.getByRole('button', { name: 'Leave organization' }).click()
    expect(
      await lee.getByRole('dialog', { name: 'Leave organization' }).locator('p').first().textContent(),
    ).toBe(
      'You will lose access to Delete Co: its members, APIs, applications, subscriptions and credentials, at once. API keys stay with the organization.',
    )
    await lee
      .getByRole('dialog', { name: 'Leave organization' })
      .getByRole('button', { name: 'Leave organization' })
      .click()
    await lee.getByRole('heading', { name: 'Create your organization' }).waitFor()

    // Delete organization: the button waits for the handle, typed exactly.
    await page.getByRole('link', { name: 'Settings' }).click()
    await page.getByRole('button', { name: 'Delete organization' }).click()
    const confirm = dialog('Delete organization').getByRole('button', { name: 'Delete organization' })
    expect(await confirm.isDisabled()).toBe(true)
    await dialog('Delete organization').getByLabel('Type delete-co to confirm').fill('Delete Co')
    expect(await confirm.isDisabled()).toBe(true)
    await dialog('Delete organization').getByLabel('Type delete-co to confirm').fill('delete-co')
    expect(await confirm.isDisabled()).toBe(false)
    await page.screenshot({ path: join(screenshots, 'confirm-delete-organization.png') })
    await confirm.click()
    await page.getByRole('heading', { name: 'Create your organization' }).waitFor()
    expect(deleted.at(-1)).toBe(`DELETE ${byId}`)
    expect(deleted.length).toBe(8)
  })

  it('lists invitations pending first with their inviter, date, expiry and role titles, filters them by status, and announces Send, Resend and Revoke', async () => {
    const olga = await signUp('Olga Inviter', 'olga@example.com')
    await call(olga, 'POST', '/v1/organizations', { name: 'Invite Co', handle: 'invite-co' })
    const org = '/v1/organizations/invite-co'
    // Before: one invitation accepted, one revoked.
    await joinAsMember(olga, 'invite-co', 'Abe Accepted', 'abe@example.com')
    const rex = await call(olga, 'POST', `${org}/invitations`, {
      email: 'rex@example.com',
      roles: ['member'],
    })
    await call(olga, 'DELETE', `${org}/invitations/${rex.id}`)
    const today = new Date().toLocaleDateString('en-US', {
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      timeZone: 'UTC',
    })

    const page = await newPage()
    await signIn(page, 'olga@example.com')
    await page.goto(`${portico.base}/o/invite-co/invitations`)
    const notice = page.locator('.notice')
    expect(await notice.getAttribute('role')).toBe('status')
    const cards = page.getByRole('list', { name: 'Invitations' }).getByRole('listitem')
    // Pending first: that is what the page shows until another status is chosen.
    await page.getByText('No pending invitations.').waitFor()

    // Send: the dialog closes, the live region says what happened, the card reads role titles.
    await page.getByRole('button', { name: 'Invite Member' }).click()
    await page.getByLabel('Email address').fill('ivy@example.com')
    await page.getByRole('radio', { name: /^None/ }).check()
    await page.getByRole('checkbox', { name: /^API publisher/ }).check()
    await page.getByRole('checkbox', { name: /^Developer/ }).check()
    await page.getByRole('button', { name: 'Send Invitation' }).click()
    await expect.poll(() => notice.textContent()).toBe('Invitation sent to ivy@example.com.')
    await portico.mail.next('ivy@example.com')
    expect(await cards.count()).toBe(1)
    expect(await cards.first().textContent()).toBe(
      `ivy@example.com · API publisher, DeveloperInvited by Olga Inviter on ${today} · expires in 7 dayspendingResendRevoke invitation`,
    )
    await page.screenshot({ path: join(screenshots, 'invitations.png') })

    // Resend: mailed again, and said so.
    await page.getByRole('button', { name: 'Resend invitation to ivy@example.com' }).click()
    await expect.poll(() => notice.textContent()).toBe('Invitation resent to ivy@example.com.')
    await portico.mail.next('ivy@example.com')

    // By status: revoked and accepted ones, without actions; all of them.
    const status = page.getByLabel('Show')
    await status.selectOption('revoked')
    await page.getByText('rex@example.com').waitFor()
    expect(await cards.allTextContents()).toEqual([
      `rex@example.com · MemberInvited by Olga Inviter on ${today}revoked`,
    ])
    await status.selectOption('accepted')
    await page.getByText('abe@example.com').waitFor()
    expect(await cards.allTextContents()).toEqual([
      `abe@example.com · MemberInvited by Olga Inviter on ${today}accepted`,
    ])
    await status.selectOption('all')
    await expect.poll(() => cards.count()).toBe(3)
    expect((await cards.locator('strong').allTextContents()).sort()).toEqual([
      'abe@example.com',
      'ivy@example.com',
      'rex@example.com',
    ])

    // The expiry as time goes by (the browser's clock moved on): 6 days left, then expired.
    const later = await newPage()
    await later.clock.setFixedTime(Date.now() + 24 * 3_600_000 + 60_000)
    await signIn(later, 'olga@example.com')
    await later.goto(`${portico.base}/o/invite-co/invitations`)
    const laterCards = later.getByRole('list', { name: 'Invitations' }).getByRole('listitem')
    await laterCards.first().waitFor()
    expect(await laterCards.locator('small').allTextContents()).toEqual([
      `Invited by Olga Inviter on ${today} · expires in 6 days`,
    ])
    await later.clock.setFixedTime(Date.now() + 8 * 24 * 3_600_000)
    await later.reload()
    await laterCards.first().waitFor()
    expect(await laterCards.allTextContents()).toEqual([
      `ivy@example.com · API publisher, DeveloperInvited by Olga Inviter on ${today}expiredResendRevoke invitation`,
    ])

    // Revoke: confirmed, said so, gone from the pending ones.
    await status.selectOption('pending')
    await page.getByRole('button', { name: 'Revoke invitation for ivy@example.com' }).click()
    await page
      .getByRole('dialog', { name: 'Revoke invitation' })
      .getByRole('button', { name: 'Revoke invitation' })
      .click()
    await expect.poll(() => notice.textContent()).toBe('Invitation for ivy@example.com revoked.')
    await page.getByText('No pending invitations.').waitFor()
  })
})
