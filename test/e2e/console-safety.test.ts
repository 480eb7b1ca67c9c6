/// <reference lib="dom" />
// The console where it must not surprise a person (issue 16), in a real browser against a real
// Portico process (PGlite) with a real SMTP catcher: a failed load never changes the organization,
// lost paths show a page that says so, destructive actions ask first. Setup goes through the HTTP
// API; what is asserted is what the browser shows and which requests it made.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page, Request } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../helpers/chromium.ts'
import { type MailCatcher, startMailCatcher } from '../helpers/mail-catcher.ts'
import { freePort, type ServerProcess, spawnServer, waitUntilReady } from '../helpers/server-process.ts'

const PASSWORD = 'a long enough password'

describe('the console: never behind the person’s back', () => {
  let server: ServerProcess
  let mail: MailCatcher
  let browser: Browser
  let base: string
  const dataDir = mkdtempSync(join(tmpdir(), 'portico-e2e-safety-'))
  const contexts: BrowserContext[] = []

  beforeAll(async () => {
    mail = await startMailCatcher()
    const port = await freePort()
    base = `http://127.0.0.1:${port}`
    server = spawnServer({
      PORT: String(port),
      DATA_DIR: dataDir,
      SMTP_URL: mail.url,
      PUBLIC_URL: base,
      ORG_CREATION_LIMIT: '0',
      RATE_LIMIT: 'off',
    })
    await waitUntilReady(server, 100_000) // a loaded machine migrates PGlite slowly
    browser = await launchChromium()
  })

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {})
    await browser?.close()
    server?.child.kill('SIGTERM')
    await server?.exited
    await mail?.close()
    rmSync(dataDir, { recursive: true, force: true })
  })

  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1200, height: 800 } })
    contexts.push(context)
    return context.newPage()
  }

  /** One call of the HTTP API with a bearer token; the parsed body (undefined when empty). */
  async function call(token: string | undefined, method: string, path: string, body?: unknown) {
    const answer = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await answer.text()
    if (!answer.ok) throw new Error(`${method} ${path}: ${answer.status} ${text}`)
    // biome-ignore lint/suspicious/noExplicitAny: answers are asserted field by field
    return (text ? JSON.parse(text) : undefined) as any
  }

  async function signUp(name: string, email: string): Promise<string> {
    const { token } = await call(undefined, 'POST', '/v1/auth/sign-up', { name, email, password: PASSWORD })
    return token
  }

  async function signIn(page: Page, email: string) {
    await page.goto(`${base}/sign-in`)
    await page.getByLabel('Email').fill(email)
    await page.getByLabel('Password').fill(PASSWORD)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.waitForURL(/\/o\//)
  }

  /** The requests `page` makes for exactly `path` (no query string). */
  function requestsTo(page: Page, path: string): Request[] {
    const seen: Request[] = []
    page.on('request', (request) => {
      if (request.url() === `${base}${path}`) seen.push(request)
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
    await call(token, 'POST', '/v1/organizations', { name: 'North Team', handle: 'north-team' })
    // South Team is created last: it is Nina's active organization, where "/" would take her.
    await call(token, 'POST', '/v1/organizations', { name: 'South Team', handle: 'south-team' })
    const page = await newPage()
    await signIn(page, 'nina@example.com')
    await page.waitForURL(`${base}/o/south-team/members`)

    await page.goto(`${base}/o/north-team/apis`)
    await page.getByRole('heading', { name: 'APIs' }).waitFor()
    const loads = requestsTo(page, '/v1/organizations/north-team')

    // One failed request (a proxy's 503 page) on the next navigation: the page stays, says so, offers Retry.
    await page.route(
      `${base}/v1/organizations/north-team`,
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
    expect(page.url()).toBe(`${base}/o/north-team/members`)
    expect(await current(page)).toBe('North Team')
    expect(await page.getByRole('heading', { name: 'Members' }).isVisible()).toBe(true)
    expect(loads.length).toBe(1)

    await page.getByRole('button', { name: 'Retry' }).click()
    await alert(page).waitFor({ state: 'detached' })
    expect(loads.length).toBe(2)
    expect(page.url()).toBe(`${base}/o/north-team/members`)

    // A first load that fails: no eternal "Loading…", no other organization; Retry recovers.
    await page.route(
      `${base}/v1/organizations/north-team`,
      (route) => route.fulfill({ status: 503, contentType: 'text/plain', body: 'upstream unavailable' }),
      { times: 1 },
    )
    await page.goto(`${base}/o/north-team/environments`)
    await alert(page).waitFor()
    expect(await page.getByText('Loading…').count()).toBe(0)
    expect(page.url()).toBe(`${base}/o/north-team/environments`)
    await page.getByRole('button', { name: 'Retry' }).click()
    await page.getByRole('heading', { name: 'Environments' }).waitFor()
    expect(await alert(page).count()).toBe(0)
    expect(page.url()).toBe(`${base}/o/north-team/environments`)

    // The brand goes to this organization's home, not to the active one.
    await page.getByRole('link', { name: 'Portico' }).click()
    await page.waitForURL(`${base}/o/north-team/members`)
    expect(await current(page)).toBe('North Team')

    // With the API unreachable, the console says so instead of "Loading…" forever, and Retry recovers.
    await page.route(`${base}/v1/**`, (route) => route.abort('connectionrefused'))
    await page.reload()
    await alert(page).waitFor({ timeout: 15_000 })
    expect(await alert(page).textContent()).toBe(
      'Could not load your account: Portico could not be reachedRetry',
    )
    await page.unroute(`${base}/v1/**`)
    await page.getByRole('button', { name: 'Retry' }).click()
    await page.getByRole('heading', { name: 'Members' }).waitFor()
    expect(page.url()).toBe(`${base}/o/north-team/members`)

    // Only an explicit choice in the switcher changes the organization.
    await switcher(page).click()
    await page.getByRole('menuitemradio', { name: /South Team/ }).click()
    await page.waitForURL(`${base}/o/south-team/members`)
    expect(await current(page)).toBe('South Team')
  })

  it('shows a real 404 page with a way back for unknown organizations, applications, APIs and paths', async () => {
    const token = await signUp('Lou Lost', 'lou@example.com')
    await call(token, 'POST', '/v1/organizations', { name: 'Lou Works', handle: 'lou-works' })
    const other = await signUp('Oscar Other', 'oscar@example.com')
    await call(other, 'POST', '/v1/organizations', { name: 'Oscar Co', handle: 'oscar-co' })
    const page = await newPage()
    await signIn(page, 'lou@example.com')
    await page.waitForURL(`${base}/o/lou-works/members`)
    const heading = page.getByRole('heading', { name: 'Page not found' })

    // An organization that does not exist, and one that exists but is not Lou's, read the same.
    for (const handle of ['no-such-team', 'oscar-co']) {
      await page.goto(`${base}/o/${handle}/apis`)
      await heading.waitFor()
      expect(await page.locator('.not-found p').first().textContent()).toBe(
        `There is no organization “${handle}” that you are a member of.`,
      )
      expect(page.url()).toBe(`${base}/o/${handle}/apis`)
      expect(await page.title()).toBe('Page not found · Portico')
    }
    await page.getByRole('link', { name: 'Go to your organizations' }).click()
    await page.waitForURL(`${base}/o/lou-works/members`)

    // An application that is not there: no live forms that fail on use.
    const missing = '00000000-0000-4000-8000-000000000000'
    await page.goto(`${base}/o/lou-works/applications/${missing}`)
    await heading.waitFor()
    expect(await page.locator('.not-found p').first().textContent()).toBe(
      `There is no application with the ID ${missing} in Lou Works.`,
    )
    expect(await page.getByRole('button', { name: 'Create key' }).count()).toBe(0)
    expect(await page.getByRole('button', { name: 'Subscribe' }).count()).toBe(0)
    await page.getByRole('link', { name: 'Back to Applications' }).click()
    await page.waitForURL(`${base}/o/lou-works/applications`)
    await page.getByText('No applications yet.').waitFor()

    // An existing application is found by its own request, not looked up in a list.
    const application = await call(token, 'POST', '/v1/organizations/lou-works/applications', {
      name: 'Lou App',
    })
    await page.goto(`${base}/o/lou-works/applications/${application.id}`)
    await page.getByRole('heading', { name: 'Lou App' }).waitFor()

    await page.goto(`${base}/o/lou-works/apis/${missing}`)
    await heading.waitFor()
    expect(await page.locator('.not-found p').first().textContent()).toBe(
      `There is no API with the ID ${missing} in Lou Works.`,
    )

    // A path that names no page in the organization, and one outside every organization.
    await page.goto(`${base}/o/lou-works/nonsense`)
    await heading.waitFor()
    expect(await page.locator('.not-found p').first().textContent()).toBe(
      'There is no such page in Lou Works.',
    )
    expect(page.url()).toBe(`${base}/o/lou-works/nonsense`)
    await page.getByRole('link', { name: 'Back to Lou Works' }).click()
    await page.waitForURL(`${base}/o/lou-works/members`)

    await page.goto(`${base}/nowhere/at/all`)
    await heading.waitFor()
    expect(await page.locator('.not-found p').first().textContent()).toBe('Nothing lives at this address.')
    await page.getByRole('link', { name: 'Go to your organizations' }).click()
    await page.waitForURL(`${base}/o/lou-works/members`)
  })
})
