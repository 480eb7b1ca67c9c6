/// <reference lib="dom" />
// The console's pages for events, in a real browser against a real Portico process (PGlite) with a
// real SMTP catcher, a real webhook receiver and the small API7 Developer Portal of the test suite,
// all on loopback: the audit log, webhooks, and the developer identity in Settings. Setup goes
// through the HTTP API; what is asserted is what the browser shows. Screenshots go to
// docs/screenshots/.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { Webhook as StandardWebhook } from 'standardwebhooks'
import { afterAll, describe, expect, it } from 'vitest'
import { type FakeApi7Portal, startFakeApi7Portal } from '../helpers/api7-portal.ts'
import { useConsole } from '../helpers/console-harness.ts'
import { linkIn } from '../helpers/mail-catcher.ts'
import { screenshots } from '../helpers/screenshots.ts'
import {
  type ReceivedWebhook,
  startWebhookReceiver,
  type WebhookReceiver,
} from '../helpers/webhook-receiver.ts'

/** The delivery's payload when `secret` signed it (the standardwebhooks package checks); throws otherwise. */
const signedBy = (secret: string, request: ReceivedWebhook) =>
  new StandardWebhook(secret).verify(request.body, {
    'webhook-id': String(request.headers['webhook-id']),
    'webhook-timestamp': String(request.headers['webhook-timestamp']),
    'webhook-signature': String(request.headers['webhook-signature']),
  })

describe('the console: audit log, webhooks, developer identity', () => {
  let portal: FakeApi7Portal
  let receiver: WebhookReceiver
  const downloads = mkdtempSync(join(tmpdir(), 'portico-e2e-downloads-'))
  const portico = useConsole({
    name: 'events',
    env: async () => {
      portal = await startFakeApi7Portal()
      receiver = await startWebhookReceiver()
      return {
        ORG_CREATION_LIMIT: '0',
        RATE_LIMIT: 'off',
        PROVIDER_PORTAL: 'api7',
        PROVIDER_PORTAL_URL: portal.url,
        PROVIDER_PORTAL_TOKEN: portal.token,
        // One retry a second later: a failing receiver or portal fails for good within seconds.
        WEBHOOK_RETRY_SCHEDULE: '1s',
        WEBHOOK_ALLOW_PRIVATE: 'on',
      }
    },
    context: { acceptDownloads: true },
    clipboard: true,
  })
  const { call, signUp, signIn, newPage } = portico

  afterAll(async () => {
    await portal?.close()
    await receiver?.close()
    rmSync(downloads, { recursive: true, force: true })
  })

  const shot = (page: Page, name: string) => page.screenshot({ path: join(screenshots, `${name}.png`) })

  /** Polls the developer identity until it is in `state`. */
  async function developerIs(token: string, handle: string, state: string) {
    await expect
      .poll(async () => (await call(token, 'GET', `/v1/organizations/${handle}/developer`)).state, {
        timeout: 20_000,
      })
      .toBe(state)
  }

  /** What sticks out to the right of a 375 px screen (tables scroll inside .table-wrap). */
  const overflowing = (page: Page) =>
    page.evaluate(() =>
      [...document.querySelectorAll('body *')]
        .filter((element) => element.getBoundingClientRect().right > 376 && !element.closest('.table-wrap'))
        .map((element) => `${element.tagName.toLowerCase()}.${element.className}`)
        .slice(0, 8),
    )

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
    const link = linkIn(await portico.mail.next('bob@example.com'), `${portico.base}/invitations/`)
    const invitationToken = link.slice(`${portico.base}/invitations/`.length)
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
      .toEqual([
        'Members',
        'Invitations',
        'APIs',
        'Environments',
        'Applications',
        'Audit log',
        'Webhooks',
        'Settings',
      ])

    const page = await newPage()
    await signIn(page, 'alice@example.com')
    await page.getByRole('link', { name: 'Audit log' }).click()
    await page.waitForURL(`${portico.base}/o/audit-co/audit-log`)
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

    // At 375 px the page fits: filters wrap, the table scrolls in its own box.
    await page.setViewportSize({ width: 375, height: 740 })
    await expect.poll(() => overflowing(page)).toEqual([])
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375)
  })

  it('adds a webhook with events picked by group, shows each secret once, lists deliveries, retries one, sends a test event, rotates the secret, disables it', async () => {
    const owner = await signUp('Wendy Webhooks', 'wendy@example.com')
    await call(owner, 'POST', '/v1/organizations', { name: 'Hook Co' })
    await developerIs(owner, 'hook-co', 'active')
    const page = await newPage()
    await signIn(page, 'wendy@example.com')
    await page.getByRole('link', { name: 'Webhooks' }).click()
    await page.waitForURL(`${portico.base}/o/hook-co/webhooks`)
    await expect.poll(() => page.title()).toBe('Webhooks · Hook Co · Portico')
    await expect.poll(() => page.getByText('No endpoints yet.').count()).toBe(1)

    // Add an endpoint: every member event, and organization.updated alone.
    await page.getByRole('button', { name: 'Add endpoint' }).click()
    const dialog = page.getByRole('dialog', { name: 'Add endpoint' })
    await dialog.getByLabel('Endpoint URL').fill(`${receiver.url}/portico`)
    await dialog.getByLabel('Description').fill('Sync to the CRM')
    const members = dialog.getByRole('group', { name: 'Members', exact: true })
    await members.getByRole('checkbox', { name: 'All member.*' }).check()
    const added = members.getByRole('checkbox', { name: 'member.added' })
    expect([await added.isChecked(), await added.isDisabled()]).toEqual([true, true])
    await dialog
      .getByRole('group', { name: 'Organization', exact: true })
      .getByRole('checkbox', { name: 'organization.updated' })
      .check()
    await shot(page, 'webhook-add')
    await dialog.getByRole('button', { name: 'Add endpoint' }).click()

    // The secret, once, with Copy.
    const created = page.getByRole('dialog', { name: 'Endpoint added' })
    const secret = (await created.getByTestId('secret').textContent()) ?? ''
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/)
    await created.getByRole('button', { name: 'Copy secret' }).click()
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret)
    await created.getByRole('button', { name: 'Done' }).click()
    expect(await page.getByText(secret).count()).toBe(0)
    const endpoint = page.getByRole('list', { name: 'Endpoints' }).getByRole('listitem')
    await expect.poll(() => endpoint.count()).toBe(1)
    expect(await endpoint.locator('.chip').allTextContents()).toEqual(['member.*', 'organization.updated'])
    expect(await endpoint.locator('.badge').textContent()).toBe('enabled')
    expect(await endpoint.textContent()).toContain('Sync to the CRM')

    // An event it takes is delivered, signed with that secret, and listed on the endpoint's page.
    await call(owner, 'PATCH', '/v1/organizations/hook-co', { name: 'Hook Company' })
    const renamed = await receiver.next('/portico')
    expect(signedBy(secret, renamed)).toMatchObject({ type: 'organization.updated' })
    await endpoint.getByRole('link', { name: `${receiver.url}/portico` }).click()
    await expect.poll(() => page.getByRole('heading', { name: `${receiver.url}/portico` }).count()).toBe(1)
    const rows = page.getByRole('table', { name: 'Deliveries' }).locator('tbody tr')
    const row = async (index: number) => (await rows.nth(index).locator('td').allTextContents()).slice(0, 5)
    await expect
      .poll(() => row(0), { timeout: 10_000 })
      .toEqual(['organization.updated', 'succeeded', '1', '204', '—'])

    // A test event the receiver refuses fails after its retry; Retry sends it again, now accepted.
    receiver.answer('/portico', { status: 500 })
    await page.getByRole('button', { name: 'Send test event' }).click()
    await expect
      .poll(() => row(0), { timeout: 15_000 })
      .toEqual(['webhook.test', 'failed', '2', '500', 'the receiver answered 500'])
    expect(await rows.count()).toBe(2)
    await shot(page, 'webhooks')
    receiver.answer('/portico', { status: 204 })
    await rows
      .nth(0)
      .getByRole('button', { name: /^Retry/ })
      .click()
    await expect
      .poll(() => row(0).then((cells) => cells.slice(0, 4)), { timeout: 10_000 })
      .toEqual(['webhook.test', 'succeeded', '3', '204'])

    // Rotate: the new secret is shown once and signs what follows; the old one no longer does.
    await page.getByRole('button', { name: 'Rotate secret' }).click()
    await page.getByRole('dialog', { name: 'Rotate secret' }).getByRole('button', { name: 'Rotate' }).click()
    const rotated = page.getByRole('dialog', { name: 'New secret' })
    const newSecret = (await rotated.getByTestId('secret').textContent()) ?? ''
    expect(newSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/)
    expect(newSecret).not.toBe(secret)
    await rotated.getByRole('button', { name: 'Done' }).click()
    expect(await page.getByText(newSecret).count()).toBe(0)
    const before = receiver.received.length
    await page.getByRole('button', { name: 'Send test event' }).click()
    const tested = await receiver.next('/portico', (request) => receiver.received.indexOf(request) >= before)
    expect(signedBy(newSecret, tested)).toMatchObject({ type: 'webhook.test' })
    expect(() => signedBy(secret, tested)).toThrow()
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(3)

    // Edit: the picker opens with the endpoint's events; another group is added.
    await page.getByRole('button', { name: 'Edit', exact: true }).click()
    const editing = page.getByRole('dialog', { name: 'Edit endpoint' })
    expect(await editing.getByLabel('Endpoint URL').inputValue()).toBe(`${receiver.url}/portico`)
    expect(
      await editing
        .getByRole('group', { name: 'Members', exact: true })
        .getByRole('checkbox', { name: 'All member.*' })
        .isChecked(),
    ).toBe(true)
    await editing.getByLabel('Description').fill('Sync to the CRM and billing')
    await editing
      .getByRole('group', { name: 'APIs', exact: true })
      .getByRole('checkbox', { name: 'All api.*' })
      .check()
    await editing.getByRole('button', { name: 'Save' }).click()
    await expect
      .poll(() => page.locator('#content .chip').allTextContents())
      .toEqual(['member.*', 'organization.updated', 'api.*'])
    expect(await page.getByText('Sync to the CRM and billing').count()).toBe(1)

    // Disable: no more test events; Enable brings it back.
    await page.getByRole('button', { name: 'Disable' }).click()
    await expect.poll(() => page.locator('.title-row .badge').textContent()).toBe('disabled')
    expect(await page.getByRole('button', { name: 'Send test event' }).count()).toBe(0)
    expect(await page.getByRole('button', { name: 'Enable' }).count()).toBe(1)
    await page.setViewportSize({ width: 375, height: 740 })
    await expect.poll(() => overflowing(page)).toEqual([])
    await page.getByRole('link', { name: '← Webhooks' }).click()
    await expect.poll(() => endpoint.locator('.badge').textContent()).toBe('disabled')
    await page.getByRole('button', { name: 'Add endpoint' }).click()
    await expect.poll(() => overflowing(page)).toEqual([])
  })

  it('shows the developer identity in Settings with its ID to copy, and retries a failed provisioning', async () => {
    // The portal refuses: the first attempt and its one retry fail, and the identity is failed.
    portal.create = 500
    const owner = await signUp('Pat Portal', 'pat@example.com')
    const organization = await call(owner, 'POST', '/v1/organizations', { name: 'Portal Co' })
    await developerIs(owner, 'portal-co', 'failed')

    const page = await newPage()
    await signIn(page, 'pat@example.com')
    await page
      .getByRole('navigation', { name: 'Organization' })
      .getByRole('link', { name: 'Settings' })
      .click()
    await page.waitForURL(`${portico.base}/o/portal-co/settings`)
    const identity = page.getByRole('region', { name: 'Developer identity' })
    await expect
      .poll(() => identity.getByTestId('developer-state').textContent(), { timeout: 10_000 })
      .toBe('failed')
    expect(await identity.locator('dt').allTextContents()).toEqual([
      'Developer ID',
      'Provider',
      'State',
      'Last error',
    ])
    const values = identity.locator('dd')
    expect(await values.nth(0).locator('code').textContent()).toBe(organization.id)
    expect(await values.nth(1).textContent()).toBe('API7 Developer Portal')
    expect(await values.nth(3).textContent()).toBe(
      'the provider portal answered 500 to creating the developer',
    )
    await page.screenshot({ path: join(screenshots, 'developer-identity.png'), fullPage: true })
    await identity.getByRole('button', { name: 'Copy developer ID' }).click()
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(organization.id)

    // The portal is back: Retry provisions it, and Retry goes away.
    portal.create = 'normal'
    await identity.getByRole('button', { name: 'Retry' }).click()
    await expect
      .poll(() => identity.getByTestId('developer-state').textContent(), { timeout: 15_000 })
      .toBe('active')
    expect(await identity.getByRole('button', { name: 'Retry' }).count()).toBe(0)
    expect(await identity.locator('dt').allTextContents()).toEqual(['Developer ID', 'Provider', 'State'])
    expect(portal.developers.has(organization.id)).toBe(true)
  })
})
