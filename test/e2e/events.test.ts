/// <reference lib="dom" />
// The console's pages for events, in a real browser against a real Portico process (PGlite) with a
// real SMTP catcher, a real webhook receiver and the small API7 Developer Portal of the test suite,
// all on loopback: the audit log, webhooks, and the developer identity in Settings. Setup goes
// through the HTTP API; what is asserted is what the browser shows. Screenshots go to
// docs/screenshots/.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FakeApi7Portal, startFakeApi7Portal } from '../helpers/api7-portal.ts'
import { launchChromium } from '../helpers/chromium.ts'
import { linkIn, type MailCatcher, startMailCatcher } from '../helpers/mail-catcher.ts'
import { freePort, type ServerProcess, spawnServer, waitUntilReady } from '../helpers/server-process.ts'

const screenshots = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url))
const PASSWORD = 'a long enough password'

describe('the console: audit log, webhooks, developer identity', () => {
  let server: ServerProcess
  let mail: MailCatcher
  let portal: FakeApi7Portal
  let browser: Browser
  let base: string
  const dataDir = mkdtempSync(join(tmpdir(), 'portico-e2e-events-'))
  const downloads = mkdtempSync(join(tmpdir(), 'portico-e2e-downloads-'))
  const contexts: BrowserContext[] = []

  beforeAll(async () => {
    mail = await startMailCatcher()
    portal = await startFakeApi7Portal()
    const port = await freePort()
    base = `http://127.0.0.1:${port}`
    server = spawnServer({
      PORT: String(port),
      DATA_DIR: dataDir,
      SMTP_URL: mail.url,
      PUBLIC_URL: base,
      ORG_CREATION_LIMIT: '0',
      RATE_LIMIT: 'off',
      PROVIDER_PORTAL: 'api7',
      PROVIDER_PORTAL_URL: portal.url,
      PROVIDER_PORTAL_TOKEN: portal.token,
      // One retry a second later: a failing receiver or portal fails for good within seconds.
      WEBHOOK_RETRY_SCHEDULE: '1s',
      WEBHOOK_ALLOW_PRIVATE: 'on',
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
    await portal?.close()
    rmSync(dataDir, { recursive: true, force: true })
    rmSync(downloads, { recursive: true, force: true })
  })

  async function newPage(): Promise<Page> {
    const context = await browser.newContext({
      viewport: { width: 1200, height: 800 },
      acceptDownloads: true,
    })
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base })
    contexts.push(context)
    return context.newPage()
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: join(screenshots, `${name}.png`) })

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

  async function signUp(name: string, email: string, invitationToken?: string): Promise<string> {
    const { token } = await call(undefined, 'POST', '/v1/auth/sign-up', {
      name,
      email,
      password: PASSWORD,
      invitationToken,
    })
    return token
  }

  async function signIn(page: Page, email: string) {
    await page.goto(`${base}/sign-in`)
    await page.getByLabel('Email').fill(email)
    await page.getByLabel('Password').fill(PASSWORD)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.waitForURL(/\/o\//)
  }

  /** Polls the developer identity until it is in `state`. */
  async function developerIs(token: string, handle: string, state: string) {
    await expect
      .poll(async () => (await call(token, 'GET', `/v1/organizations/${handle}/developer`)).state, {
        timeout: 20_000,
      })
      .toBe(state)
  }

  const navLinks = (page: Page) =>
    page.getByRole('navigation', { name: 'Organization' }).getByRole('link').allTextContents()

  it('reads the audit log as sentences with role titles, filters it, exports it, and shows the chain verified', async () => {
    // Alice creates an organization and invites Bob as a Member; Bob registers from the mail and
    // accepts; Alice makes him an Admin.
    const alice = await signUp('Alice Admin', 'alice@example.com')
    await call(alice, 'POST', '/v1/organizations', { name: 'Audit Co' })
    await developerIs(alice, 'audit-co', 'active')
    await call(alice, 'POST', '/v1/organizations/audit-co/invitations', {
      email: 'bob@example.com',
      roles: ['member'],
    })
    const link = linkIn(await mail.next('bob@example.com'), `${base}/invitations/`)
    const invitationToken = link.slice(`${base}/invitations/`.length)
    const bob = await signUp('Bob Builder', 'bob@example.com', invitationToken)
    await call(bob, 'POST', `/v1/invitations/${invitationToken}/accept`)
    const bobId = (await call(bob, 'GET', '/v1/me')).user.id

    // As a Member, Bob sees neither the audit log nor webhooks in the navigation.
    const bobsPage = await newPage()
    await signIn(bobsPage, 'bob@example.com')
    await expect
      .poll(() => navLinks(bobsPage))
      .toEqual(['Members', 'Invitations', 'APIs', 'Environments', 'Applications', 'Settings'])

    await call(alice, 'PATCH', `/v1/organizations/audit-co/members/${bobId}`, { roles: ['admin'] })
    await bobsPage.reload()
    await expect
      .poll(() => navLinks(bobsPage))
      .toEqual(['Members', 'Invitations', 'APIs', 'Environments', 'Applications', 'Audit log', 'Settings'])

    const page = await newPage()
    await signIn(page, 'alice@example.com')
    await page.getByRole('link', { name: 'Audit log' }).click()
    await page.waitForURL(`${base}/o/audit-co/audit-log`)
    await expect.poll(() => page.title()).toBe('Audit log · Audit Co · Portico')
    const sentences = () =>
      page.getByRole('table', { name: 'Events' }).locator('tbody tr td:nth-child(3)').allTextContents()
    const everything = [
      "Alice Admin changed Bob Builder's roles from Member to Administrator",
      'Bob Builder joined as Member',
      'Bob Builder accepted the invitation to bob@example.com as Member',
      'Alice Admin invited bob@example.com as Member',
      'Portico provisioned the developer identity in the API7 Developer Portal',
      'Alice Admin joined as Owner',
      'Alice Admin created the organization Audit Co (audit-co)',
    ]
    await expect.poll(sentences).toEqual(everything)
    expect(
      await page.getByRole('table', { name: 'Events' }).locator('tbody tr td:first-child').allTextContents(),
    ).toEqual(['7', '6', '5', '4', '3', '2', '1'])
    await expect.poll(() => page.getByRole('status').textContent()).toBe('✓ Chain verified · 7 events')
    await shot(page, 'audit-log')

    // Filters: a group of types, one type, a person, dates.
    await page.getByLabel('Type', { exact: true }).selectOption('member.*')
    await expect
      .poll(sentences)
      .toEqual([
        "Alice Admin changed Bob Builder's roles from Member to Administrator",
        'Bob Builder joined as Member',
        'Alice Admin joined as Owner',
      ])
    await page.getByLabel('Type', { exact: true }).selectOption('invitation.created')
    await expect.poll(sentences).toEqual(['Alice Admin invited bob@example.com as Member'])
    await page.getByLabel('Type', { exact: true }).selectOption('')
    await page.getByLabel('Person', { exact: true }).selectOption({ label: 'Bob Builder' })
    await expect
      .poll(sentences)
      .toEqual([
        'Bob Builder joined as Member',
        'Bob Builder accepted the invitation to bob@example.com as Member',
      ])
    await page.getByLabel('Person', { exact: true }).selectOption('')
    const day = (offset: number) => {
      const date = new Date()
      date.setDate(date.getDate() + offset)
      return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`
    }
    await page.getByLabel('To', { exact: true }).fill(day(-1))
    await expect.poll(() => page.getByText('No events match these filters.').count()).toBe(1)
    await page.getByLabel('To', { exact: true }).fill('')
    await page.getByLabel('From', { exact: true }).fill(day(0))
    await expect.poll(sentences).toEqual(everything)
    await page.getByRole('button', { name: 'Clear filters' }).click()
    await expect.poll(sentences).toEqual(everything)

    // Export: the whole log, oldest first, as the API streams it.
    const [csvDownload] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Export CSV' }).click(),
    ])
    const csvPath = join(downloads, 'audit.csv')
    await csvDownload.saveAs(csvPath)
    const csv = readFileSync(csvPath, 'utf8').split('\r\n')
    expect(csv[0]).toBe(
      'seq,id,type,occurredAt,actorType,actorId,actorName,targetType,targetId,requestId,hash,data',
    )
    expect(csv.slice(1, -1).map((line) => line.split(',')[2])).toEqual([
      'organization.created',
      'member.added',
      'developer.provisioned',
      'invitation.created',
      'invitation.accepted',
      'member.added',
      'member.updated',
    ])
    expect(csv.at(-1)).toBe('')
    const [ndjsonDownload] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Export NDJSON' }).click(),
    ])
    const ndjsonPath = join(downloads, 'audit.ndjson')
    await ndjsonDownload.saveAs(ndjsonPath)
    const events = readFileSync(ndjsonPath, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(events.map((event) => event.seq)).toEqual([1, 2, 3, 4, 5, 6, 7])
    expect(events[6].data.before.roles).toEqual(['member'])
    expect(events[6].data.after.roles).toEqual(['admin'])
  })
})
