import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { seriousAccessibilityViolations } from '../helpers/accessibility.ts'
import { useConsole } from '../helpers/console-harness.ts'
import { linkIn } from '../helpers/mail-catcher.ts'
import { screenshots } from '../helpers/screenshots.ts'

const PHONE = { width: 375, height: 740 }
/** The pages the README shows in both schemes on both screens: their path under /o/axe-works, and name. */
const showcase = (ids: { api: string; application: string }): Record<string, string> => ({
  members: 'members',
  [`apis/${ids.api}`]: 'api',
  [`applications/${ids.application}`]: 'application',
  'audit-log': 'audit-log',
  settings: 'settings',
})

describe('the console: keyboard, phone and screen reader', () => {
  const portico = useConsole({
    name: 'a11y',
    env: { ORG_CREATION_LIMIT: '0', RATE_LIMIT: 'off', WEBHOOK_ALLOW_PRIVATE: 'on' },
  })
  const { call, signUp, newPage, signIn, joinAsMember } = portico
  /** Ada's organization, built in beforeAll: one of everything a page can show. */
  const ada = {
    token: '',
    api: '',
    application: '',
    webhook: '',
    invitationLink: '',
    verificationLink: '',
    resetLink: '',
  }

  beforeAll(async () => {
    ada.token = await signUp('Ada Access', 'ada@example.com')
    ada.verificationLink = linkIn(await portico.mail.next('ada@example.com'), `${portico.base}/verify-email/`)
    await call(ada.token, 'POST', '/v1/organizations', { name: 'Axe Works', handle: 'axe-works' })
    const org = '/v1/organizations/axe-works'
    const orders = await call(ada.token, 'POST', `${org}/apis`, {
      name: 'Orders',
      version: 'v1',
      basePath: '/orders',
      description: 'Orders and their lines',
    })
    await call(ada.token, 'POST', `${org}/apis/${orders.id}/publish`)
    await call(ada.token, 'PUT', `${org}/apis/${orders.id}/plans`, {
      items: [{ name: 'gold', title: 'Gold', requestsPerMinute: 60, requestsPerDay: 10_000 }],
    })
    const shop = await call(ada.token, 'POST', `${org}/applications`, { name: 'Shop' })
    await call(ada.token, 'POST', `${org}/applications/${shop.id}/subscriptions`, {
      apiId: orders.id,
      plan: 'gold',
    })
    await call(ada.token, 'POST', `${org}/applications/${shop.id}/keys`, { environment: 'production' })
    const webhook = await call(ada.token, 'POST', `${org}/webhooks`, {
      url: 'http://127.0.0.1:9/hooks',
      events: ['organization.deleted'],
      description: 'Nothing listens here',
    })
    await joinAsMember(ada.token, 'axe-works', 'Mo Member', 'mo@example.com')
    await call(ada.token, 'POST', `${org}/invitations`, { email: 'pat@example.com', roles: ['member'] })
    await call(undefined, 'POST', '/v1/auth/password-reset', { email: 'mo@example.com' })
    Object.assign(ada, {
      resetLink: linkIn(await portico.mail.next('mo@example.com'), `${portico.base}/reset-password/`),
      api: orders.id,
      application: shop.id,
      webhook: webhook.id,
      invitationLink: linkIn(await portico.mail.next('pat@example.com'), `${portico.base}/invitations/`),
    })
  }, 300_000)

  /** `name`-light.png and `name`-dark.png of what `page` shows now, left in light mode. */
  async function shootBothSchemes(page: Page, name: string) {
    await page.waitForLoadState('networkidle')
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme })
      await page.screenshot({ path: join(screenshots, `${name}-${colorScheme}.png`) })
    }
    await page.emulateMedia({ colorScheme: 'light' })
  }

  /** axe's serious and critical findings on what `page` shows, in light and then in dark mode. */
  async function violationsInBothSchemes(page: Page): Promise<string[]> {
    const found: string[] = []
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme })
      found.push(...(await seriousAccessibilityViolations(page)).map((line) => `${colorScheme}: ${line}`))
    }
    return found
  }

  it('passes axe-core on every page, signed out and in, in light and dark mode: nothing serious or critical', async () => {
    const org = `/o/axe-works`
    const signedOut: [string, string][] = [
      ['/sign-in', 'Sign in to Portico'],
      ['/sign-up', 'Create your Portico account'],
      ['/forgot-password', 'Reset your password'],
      [new URL(ada.invitationLink).pathname, 'Join Axe Works'],
      [new URL(ada.verificationLink).pathname, 'Email verification'],
      [new URL(ada.resetLink).pathname, 'Choose a new password'],
    ]
    const signedIn: [string, string][] = [
      ['/welcome', 'Welcome, Ada Access'],
      [`${org}/members`, 'Members'],
      [`${org}/invitations`, 'Invitations'],
      [`${org}/apis`, 'APIs'],
      [`${org}/apis/${ada.api}`, 'Orders v1'],
      [`${org}/environments`, 'Environments'],
      [`${org}/applications`, 'Applications'],
      [`${org}/applications/${ada.application}`, 'Shop'],
      [`${org}/audit-log`, 'Audit log'],
      [`${org}/webhooks`, 'Webhooks'],
      [`${org}/webhooks/${ada.webhook}`, 'http://127.0.0.1:9/hooks'],
      [`${org}/settings`, 'Settings'],
      [`${org}/no-such-page`, 'Page not found'],
      ['/nowhere', 'Page not found'],
      // Someone else's invitation, opened signed in.
      [new URL(ada.invitationLink).pathname, 'Join Axe Works'],
    ]
    const found: Record<string, string[]> = {}
    const stranger = await newPage()
    for (const [path, heading] of signedOut) {
      await stranger.goto(`${portico.base}${path}`)
      await stranger.getByRole('heading', { name: heading, level: 1 }).waitFor()
      found[`${path} (signed out)`] = await violationsInBothSchemes(stranger)
    }
    const page = await newPage()
    await signIn(page, 'ada@example.com')
    for (const [path, heading] of signedIn) {
      await page.goto(`${portico.base}${path}`)
      await page.getByRole('heading', { name: heading, level: 1 }).waitFor()
      await page.getByText('Loading…').waitFor({ state: 'detached' })
      found[path] = await violationsInBothSchemes(page)
      const shown = showcase(ada)[path.slice(`${org}/`.length)]
      if (shown) await shootBothSchemes(page, `${shown}-desktop`)
    }
    // An open dialog too: the invitation form with its role picker.
    await page.goto(`${portico.base}${org}/invitations`)
    await page.getByRole('button', { name: 'Invite Member' }).click()
    await page.getByRole('dialog', { name: 'Invite Member' }).waitFor()
    found['invite dialog'] = await violationsInBothSchemes(page)

    expect(found).toEqual(Object.fromEntries(Object.keys(found).map((where) => [where, []])))
  })

  /** What has focus, by its name (label, aria-label or text), and whether it shows a ring. */
  const focused = (page: Page) =>
    page.evaluate(() => {
      const element = document.activeElement as HTMLElement | null
      if (!element) return undefined
      // A control hidden inside its label (the logo upload) rings the label instead.
      const ringed = element.classList.contains('visually-hidden') ? element.parentElement : element
      const style = ringed ? getComputedStyle(ringed) : undefined
      return {
        text: (
          element.getAttribute('aria-label') ??
          (element as HTMLInputElement).labels?.[0]?.textContent ??
          element.textContent ??
          ''
        ).trim(),
        ring: style ? style.outlineStyle !== 'none' && Number.parseFloat(style.outlineWidth) >= 2 : false,
      }
    })

  it('is usable by keyboard: a skip link first, the switcher as a menu button, a focus ring on everything Tab reaches', async () => {
    const token = await signUp('Kim Keys', 'kim@example.com')
    for (const [name, handle] of [
      ['Keys East', 'keys-east'],
      ['Keys West', 'keys-west'],
      ['Keys North', 'keys-north'],
    ]) {
      await call(token, 'POST', '/v1/organizations', { name, handle })
    }
    const page = await newPage()
    await signIn(page, 'kim@example.com')
    await page.goto(`${portico.base}/o/keys-west/settings`)
    await page.getByRole('heading', { name: 'Settings' }).waitFor()

    // The skip link is the first thing Tab reaches, shown when focused; it moves focus to the page.
    await page.keyboard.press('Tab')
    expect(await focused(page)).toEqual({ text: 'Skip to content', ring: true })
    expect(
      (await page.getByRole('link', { name: 'Skip to content' }).boundingBox())?.y,
    ).toBeGreaterThanOrEqual(0)
    await page.keyboard.press('Enter')
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('content')
    await page.keyboard.press('Tab')
    expect(await focused(page)).toEqual({ text: 'Copy ID', ring: true })

    // Every control Tab reaches on the page shows a ring, the logo upload's hidden file input included.
    const reached: string[] = []
    for (let step = 0; step < 12; step++) {
      await page.keyboard.press('Tab')
      const now = await focused(page)
      if (!now) break
      reached.push(`${now.text}${now.ring ? '' : ' (no ring)'}`)
      if (now.text === 'Delete organization') break
    }
    expect(reached).toEqual([
      'Copy Handle',
      'Organization name',
      'Upload logo',
      'Copy developer ID',
      'Delete organization',
    ])

    // The switcher: Enter opens it on the current organization, the arrows move and wrap, Home and
    // End jump, Escape closes it and focus is back on the button.
    const trigger = page.locator('header .switcher-button')
    const menu = page.getByRole('menu', { name: 'Organization' })
    await trigger.focus()
    await page.keyboard.press('Enter')
    await menu.waitFor()
    expect(await trigger.getAttribute('aria-expanded')).toBe('true')
    expect(await focused(page)).toEqual({ text: 'KWKeys West✓', ring: true })
    await page.keyboard.press('ArrowDown')
    expect((await focused(page))?.text).toBe('KNKeys North')
    await page.keyboard.press('ArrowDown')
    expect((await focused(page))?.text).toBe('+ Create organization')
    await page.keyboard.press('ArrowDown')
    expect((await focused(page))?.text).toBe('KEKeys East')
    await page.keyboard.press('ArrowUp')
    expect((await focused(page))?.text).toBe('+ Create organization')
    await page.keyboard.press('Home')
    expect((await focused(page))?.text).toBe('KEKeys East')
    await page.keyboard.press('End')
    expect((await focused(page))?.text).toBe('+ Create organization')
    await page.keyboard.press('Escape')
    await menu.waitFor({ state: 'detached' })
    expect(await trigger.getAttribute('aria-expanded')).toBe('false')
    expect(await page.evaluate(() => document.activeElement?.classList.contains('switcher-button'))).toBe(
      true,
    )
    expect(new URL(page.url()).pathname).toBe('/o/keys-west/settings')

    // Space and ArrowUp open it too (ArrowUp on the last entry); Enter on an organization switches.
    await page.keyboard.press('ArrowUp')
    await menu.waitFor()
    expect((await focused(page))?.text).toBe('+ Create organization')
    await page.keyboard.press('Escape')
    await page.keyboard.press('Space')
    expect((await focused(page))?.text).toBe('KWKeys West✓')
    await page.keyboard.press('ArrowUp')
    expect((await focused(page))?.text).toBe('KEKeys East')
    await page.keyboard.press('Enter')
    await page.waitForURL(`${portico.base}/o/keys-east/settings`)
    await menu.waitFor({ state: 'detached' })
    expect(await page.locator('header .switcher-button > span:not([aria-hidden])').textContent()).toBe(
      'Keys East',
    )
    expect(await page.evaluate(() => document.activeElement?.classList.contains('switcher-button'))).toBe(
      true,
    )
  })

  it('fits a 375 px phone: no page scrolls sideways, members are cards with their actions, dialogs fit the screen', async () => {
    const page = await newPage({ viewport: PHONE })
    await signIn(page, 'ada@example.com')
    const sideways = () =>
      page.evaluate(() => (document.scrollingElement?.scrollWidth ?? Number.POSITIVE_INFINITY) > 375)
    const org = `${portico.base}/o/axe-works`
    for (const [path, heading] of [
      ['members', 'Members'],
      ['invitations', 'Invitations'],
      ['apis', 'APIs'],
      [`apis/${ada.api}`, 'Orders v1'],
      ['environments', 'Environments'],
      ['applications', 'Applications'],
      [`applications/${ada.application}`, 'Shop'],
      ['audit-log', 'Audit log'],
      ['webhooks', 'Webhooks'],
      [`webhooks/${ada.webhook}`, 'http://127.0.0.1:9/hooks'],
      ['settings', 'Settings'],
    ] as const) {
      await page.goto(`${org}/${path}`)
      await page.getByRole('heading', { name: heading, level: 1 }).waitFor()
      await page.getByText('Loading…').waitFor({ state: 'detached' })
      expect({ path, sideways: await sideways() }).toEqual({ path, sideways: false })
      const shown = showcase(ada)[path]
      if (shown) await shootBothSchemes(page, `${shown}-phone`)
    }

    // Members: one card per member, each inside the screen, every cell labelled, actions in reach.
    await page.goto(`${org}/members`)
    const rows = page.locator('table.members tbody tr')
    await rows.first().waitFor()
    expect(await rows.count()).toBe(2)
    const mo = page.getByRole('row', { name: /Mo Member/ })
    const box = await mo.boundingBox()
    expect(box && box.x >= 0 && box.x + box.width <= 375).toBe(true)
    expect(
      await page.locator('table.members thead').evaluate((head) => head.getBoundingClientRect().height),
    ).toBe(1)
    expect(
      await mo
        .locator('td')
        .evaluateAll((cells) =>
          cells.map((cell) => `${getComputedStyle(cell, '::before').content} ${cell.textContent}`),
        ),
    ).toEqual([
      'none Mo Member',
      '"Email: " mo@example.com',
      '"Roles: " Member',
      expect.stringMatching(/^"Joined: " \w{3} \d{1,2}, \d{4}$/),
      'none EditRemove member',
    ])
    for (const name of ['Edit roles of Mo Member', 'Remove member Mo Member']) {
      const button = page.getByRole('button', { name })
      const place = await button.boundingBox()
      expect(place && place.x >= 0 && place.x + place.width <= 375).toBe(true)
    }

    // Dialogs fit: the role editor, the invitation form, the webhook form with its event picker.
    const fits = async (title: string) => {
      const dialog = page.getByRole('dialog', { name: title })
      await dialog.waitFor()
      const size = await dialog.evaluate((element) => {
        const rect = element.getBoundingClientRect()
        return { left: rect.left, right: rect.right, overflows: element.scrollWidth > element.clientWidth }
      })
      return {
        title,
        inside: size.left >= 0 && size.right <= 375,
        overflows: size.overflows,
        sideways: await sideways(),
      }
    }
    await page.getByRole('button', { name: 'Edit roles of Mo Member' }).click()
    expect(await fits('Edit roles')).toEqual({
      title: 'Edit roles',
      inside: true,
      overflows: false,
      sideways: false,
    })
    await page.keyboard.press('Escape')
    await page.goto(`${org}/invitations`)
    await page.getByRole('button', { name: 'Invite Member' }).click()
    expect(await fits('Invite Member')).toEqual({
      title: 'Invite Member',
      inside: true,
      overflows: false,
      sideways: false,
    })
    await page.goto(`${org}/webhooks`)
    await page.getByRole('button', { name: 'Add endpoint' }).click()
    expect(await fits('Add endpoint')).toEqual({
      title: 'Add endpoint',
      inside: true,
      overflows: false,
      sideways: false,
    })
  })

  it('reads lists past their first hundred: the 101st application and API are listed after Show more, and the application’s page works', async () => {
    const token = await signUp('Hana Hundred', 'hana@example.com')
    await call(token, 'POST', '/v1/organizations', { name: 'Hundred Co', handle: 'hundred-co' })
    const org = '/v1/organizations/hundred-co'
    // One at a time: the lists are in creation order, so the 101st is the last.
    let lastApi = { id: '' }
    let lastApplication = { id: '' }
    for (let n = 1; n <= 101; n++) {
      const number = String(n).padStart(3, '0')
      lastApi = await call(token, 'POST', `${org}/apis`, {
        name: `API ${number}`,
        version: 'v1',
        basePath: `/a${n}`,
      })
      lastApplication = await call(token, 'POST', `${org}/applications`, { name: `App ${number}` })
    }
    await call(token, 'POST', `${org}/apis/${lastApi.id}/publish`)

    const page = await newPage()
    await signIn(page, 'hana@example.com')
    const lists: string[] = []
    page.on('request', (request) => {
      const url = new URL(request.url())
      if (/^\/v1\/.*\/(apis|applications)$/.test(url.pathname) && request.method() === 'GET') {
        lists.push(`${url.pathname.split('/').at(-1)}?${url.searchParams}`)
      }
    })

    await page.goto(`${portico.base}/o/hundred-co/applications`)
    const applications = page.getByRole('list', { name: 'Applications' }).getByRole('listitem')
    await applications.first().waitFor()
    expect(await applications.count()).toBe(100)
    expect(await page.getByRole('link', { name: 'App 101' }).count()).toBe(0)
    await page.getByRole('button', { name: 'Show more' }).click()
    await page.getByRole('link', { name: 'App 101' }).click()
    await page.waitForURL(`${portico.base}/o/hundred-co/applications/${lastApplication.id}`)
    await page.getByRole('heading', { name: 'App 101', level: 1 }).waitFor()
    expect(await page.getByRole('button', { name: 'Show more' }).count()).toBe(0)

    // The picker pages through every API to offer the one published, the 101st.
    const picker = page.getByLabel('Published API')
    await picker.waitFor()
    expect(await picker.locator('option').allTextContents()).toEqual(['Choose an API', 'API 101 v1'])
    await picker.selectOption({ label: 'API 101 v1' })
    await page.getByRole('button', { name: 'Subscribe' }).click()
    await page.getByRole('button', { name: 'Cancel subscription to API 101 v1' }).waitFor()
    expect(await page.getByText('No keys yet.').count()).toBe(1)

    // Reloaded, the subscription names its API from the API's own request.
    const apiReads: string[] = []
    page.on('request', (request) => {
      if (new URL(request.url()).pathname.endsWith(`/apis/${lastApi.id}`)) apiReads.push(request.method())
    })
    await page.reload()
    await page.getByRole('button', { name: 'Cancel subscription to API 101 v1' }).waitFor()
    expect(apiReads).toEqual(['GET'])

    // The APIs page: a hundred, then Show more for the 101st.
    await page.goto(`${portico.base}/o/hundred-co/apis`)
    await page.getByRole('link', { name: 'API 100 v1' }).waitFor()
    expect(await page.getByRole('link', { name: 'API 101 v1' }).count()).toBe(0)
    await page.getByRole('button', { name: 'Show more' }).click()
    await page.getByRole('link', { name: 'API 101 v1' }).waitFor()

    // Every list was read a hundred at a time, the second page by the first's cursor.
    expect(lists.map((line) => line.replace(/cursor=[^&]+/, 'cursor=…'))).toEqual([
      'applications?limit=100',
      'applications?cursor=…&limit=100',
      'apis?limit=100',
      'apis?cursor=…&limit=100',
      'apis?limit=100',
      'apis?cursor=…&limit=100',
      'apis?limit=100',
      'apis?cursor=…&limit=100',
    ])
  })
})
