import { join } from 'node:path'
import type { Locator, Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { useConsole } from '../helpers/console-harness.ts'
import { linkIn } from '../helpers/mail-catcher.ts'
import { screenshots } from '../helpers/screenshots.ts'

const literally = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

describe('the console: roles and keys', () => {
  const portico = useConsole({ name: 'roles-keys', env: { RATE_LIMIT: 'off' } })
  const { call, signUp, newPage, signIn } = portico
  // One organization for both tests: an owner, an admin who drives the browser, a member.
  let owner: string
  let adminToken: string
  let memberId: string

  beforeAll(async () => {
    owner = await signUp('Olga Owner', 'olga@example.com')
    await call(owner, 'POST', '/v1/organizations', { name: 'Roles Co', handle: 'roles-co' })
    adminToken = (await join_('Adam Admin', 'adam@example.com', ['admin'])).token
    memberId = (await join_('Mia Member', 'mia@example.com', ['member'])).userId
  }, 300_000)

  /** Invites `email` into Roles Co with `roles`; they register from the mailed link and accept. */
  async function join_(name: string, email: string, roles: string[]) {
    await call(owner, 'POST', '/v1/organizations/roles-co/invitations', { email, roles })
    const link = linkIn(await portico.mail.next(email), `${portico.base}/invitations/`)
    const invitationToken = link.slice(`${portico.base}/invitations/`.length)
    const token = await signUp(name, email, invitationToken)
    const { member } = await call(token, 'POST', `/v1/invitations/${invitationToken}/accept`)
    return { token: token as string, userId: member.userId as string }
  }

  async function signedIn(email: string): Promise<Page> {
    const page = await newPage()
    await signIn(page, email)
    return page
  }

  /** The text of the element that describes `control` (aria-describedby), as a screen reader reads it. */
  const descriptionOf = (control: Locator) =>
    control.evaluate((element) =>
      (element.getAttribute('aria-describedby') ?? '')
        .split(' ')
        .map((id) => document.getElementById(id)?.textContent ?? '')
        .join(' '),
    )

  it('offers an admin only what can succeed: an owner they cannot change, grantable roles, combinations that make sense, errors in the dialog', async () => {
    const page = await signedIn('adam@example.com')
    await page.goto(`${portico.base}/o/roles-co/members`)
    const ownerRow = page.getByRole('row', { name: /Olga Owner/ })
    await ownerRow.waitFor()

    // The owner's row: Edit and Remove are there but disabled, with the reason shown and described.
    const editOwner = page.getByRole('button', { name: 'Edit roles of Olga Owner' })
    const removeOwner = page.getByRole('button', { name: 'Remove member Olga Owner' })
    const reason =
      'Only an owner can grant, take away or change the owner role. Only an owner can remove an owner.'
    expect(await editOwner.isDisabled()).toBe(true)
    expect(await removeOwner.isDisabled()).toBe(true)
    expect(await ownerRow.locator('.reason').textContent()).toBe(reason)
    expect(await descriptionOf(editOwner)).toBe(reason)
    expect(await descriptionOf(removeOwner)).toBe(reason)
    expect(await editOwner.getAttribute('title')).toBe(
      'Only an owner can grant, take away or change the owner role.',
    )
    // The owner's chip is no way in either; Mia's is.
    expect(await ownerRow.getByRole('button', { name: /change the roles/ }).count()).toBe(0)
    expect(await ownerRow.locator('.chip').allTextContents()).toEqual(['Owner'])

    // Mia's role chip opens the Edit dialog with her current role chosen.
    await page.getByRole('button', { name: 'Member: change the roles of Mia Member' }).click()
    const dialog = page.getByRole('dialog', { name: 'Edit roles' })
    await dialog.waitFor()
    const radios = dialog.getByRole('radio')
    // Only what an admin may grant: no Owner.
    expect(await radios.evaluateAll((inputs) => inputs.map((input) => input.getAttribute('value')))).toEqual([
      'admin',
      'member',
      '',
    ])
    expect(await dialog.getByRole('radio', { name: /^Member/ }).isChecked()).toBe(true)
    expect(
      await dialog
        .getByRole('checkbox')
        .evaluateAll((inputs) => inputs.map((input) => input.getAttribute('value'))),
    ).toEqual([
      'api-publisher',
      'api-subscriber',
      'developer',
      'environment-manager',
      'billing-admin',
      'external-api-subscriber',
    ])

    // External API subscriber stands alone: beside Member it is disabled, and says why.
    const external = dialog.getByRole('checkbox', { name: /^External API subscriber/ })
    const alone = (other: string) =>
      `Roles must not combine External API subscriber with ${other}: an external API subscriber sees only the developer portal.`
    expect(await external.isDisabled()).toBe(true)
    const externalReason = dialog
      .locator('label', { has: page.getByRole('checkbox', { name: /^External API subscriber/ }) })
      .locator('.reason')
    // What the eye reads beside it (the full sentence is there for screen readers and as its title).
    expect(
      await externalReason.evaluate((element) =>
        [...element.childNodes]
          .filter((node) => !(node instanceof Element && node.classList.contains('visually-hidden')))
          .map((node) => node.textContent)
          .join(''),
      ),
    ).toBe('Not with Member.')
    expect(await externalReason.getAttribute('title')).toBe(alone('Member'))
    expect(await descriptionOf(external)).toBe(`Not with Member. ${alone('Member')}`)
    // With no access level it can be chosen; then the levels and the internal additions cannot.
    await dialog.getByRole('radio', { name: /^None/ }).check()
    expect(await dialog.getByText('Choose at least one role.').isVisible()).toBe(true)
    expect(await dialog.getByRole('button', { name: 'Save roles' }).isDisabled()).toBe(true)
    await external.check()
    const memberLevel = dialog.getByRole('radio', { name: /^Member/ })
    expect(await memberLevel.isDisabled()).toBe(true)
    expect(await descriptionOf(memberLevel)).toBe(`Not with External API subscriber. ${alone('Member')}`)
    await page.screenshot({ path: join(screenshots, 'edit-roles.png') })
    expect(await dialog.getByRole('checkbox', { name: /^API publisher/ }).isDisabled()).toBe(true)
    expect(await descriptionOf(dialog.getByRole('checkbox', { name: /^API publisher/ }))).toBe(
      `Not with External API subscriber. ${alone('API publisher')}`,
    )

    // Member with API publisher as an addition: saved, the dialog closes, the chips say so.
    await external.uncheck()
    await memberLevel.check()
    await dialog.getByRole('checkbox', { name: /^API publisher/ }).check()
    await dialog.getByRole('button', { name: 'Save roles' }).click()
    await dialog.waitFor({ state: 'hidden' })
    const miaRow = page.getByRole('row', { name: /Mia Member/ })
    await expect.poll(() => miaRow.locator('.chip').allTextContents()).toEqual(['Member', 'API publisher'])

    // A save the server refuses keeps the dialog open with the server's words; the chips go back.
    await call(owner, 'DELETE', `/v1/organizations/roles-co/members/${memberId}`)
    await page.getByRole('button', { name: 'Edit roles of Mia Member' }).click()
    await dialog.getByRole('radio', { name: /^Administrator/ }).check()
    expect(await dialog.getByRole('checkbox', { name: /^API publisher/ }).isChecked()).toBe(true)
    await dialog.getByRole('button', { name: 'Save roles' }).click()
    await dialog.getByRole('alert').waitFor()
    expect(await dialog.getByRole('alert').textContent()).toBe('no such member in this organization')
    expect(await dialog.isVisible()).toBe(true)
    await dialog.getByRole('button', { name: 'Cancel' }).click()
    await expect.poll(() => page.getByRole('row', { name: /Mia Member/ }).count()).toBe(0)
    expect(await page.getByRole('alert').count()).toBe(0)

    // Inviting: the same choice, an admin's levels only, Member first chosen.
    await page.goto(`${portico.base}/o/roles-co/invitations`)
    await page.getByRole('button', { name: 'Invite Member' }).click()
    const invite = page.getByRole('dialog', { name: 'Invite Member' })
    await invite.getByRole('radio', { name: /^Member/ }).waitFor() // once the roles are loaded
    expect(
      await invite
        .getByRole('radio')
        .evaluateAll((inputs) => inputs.map((input) => input.getAttribute('value'))),
    ).toEqual(['admin', 'member', ''])
    expect(await invite.getByRole('radio', { name: /^Member/ }).isChecked()).toBe(true)
    expect(await invite.getByRole('checkbox', { name: /^External API subscriber/ }).isDisabled()).toBe(true)
  })

  it('tells keys apart: created when and by whom, last use, the rotated one’s grace, the new one; Revoke names the key', async () => {
    const application = await call(owner, 'POST', '/v1/organizations/roles-co/applications', { name: 'Shop' })
    const first = await call(
      owner,
      'POST',
      `/v1/organizations/roles-co/applications/${application.id}/keys`,
      {
        environment: 'production',
      },
    )
    const today = new Date().toLocaleDateString('en-US', {
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      timeZone: 'UTC',
    })
    const page = await signedIn('adam@example.com')
    await page.goto(`${portico.base}/o/roles-co/applications/${application.id}`)
    const keys = page.getByRole('list', { name: 'API keys' }).getByRole('listitem')
    await expect.poll(() => keys.count()).toBe(1)
    // The creator's name comes from the member list, read after the keys.
    await expect
      .poll(() => keys.first().locator('span').first().textContent())
      .toBe(
        `${first.name} ${first.prefix}…${first.last4} · productionCreated ${today} by Olga Owner · never used`,
      )

    // Rotated here: the new key is marked new and made by "you"; the old one shows its grace.
    await page.getByRole('button', { name: `Rotate ${first.name}` }).click()
    const secret = page.getByRole('dialog', { name: 'Your new API key' })
    await secret.waitFor()
    await secret.getByRole('button', { name: 'Done' }).click()
    await expect.poll(() => keys.count()).toBe(2)
    const [rotated, old] = (
      await call(adminToken, 'GET', `/v1/organizations/roles-co/applications/${application.id}/keys`)
    ).items
    expect(await keys.nth(0).textContent()).toMatch(
      new RegExp(
        `^${literally(`${rotated.name} ${rotated.prefix}…${rotated.last4}`)} · productionnewCreated ${today} by you · never used`,
      ),
    )
    expect(await keys.nth(1).textContent()).toMatch(
      new RegExp(
        `^${literally(`${old.name} ${old.prefix}…${old.last4}`)} · productionexpires in (59|60) minutesCreated ${today} by Olga Owner · never used`,
      ),
    )
    expect(await keys.nth(0).locator('.badge').allTextContents()).toEqual(['new'])
    await page.getByRole('heading', { name: 'API keys' }).scrollIntoViewIfNeeded()
    await page.screenshot({ path: join(screenshots, 'api-keys.png') })

    // Revoke asks first and names the key it revokes: the old one, not the new.
    await page.getByRole('button', { name: `Revoke key ${old.name} ${old.prefix}…${old.last4}` }).click()
    const confirm = page.getByRole('dialog', { name: 'Revoke key' })
    expect(await confirm.locator('p').first().textContent()).toBe(
      `Revoke ${old.name} ${old.prefix}…${old.last4} (production)? Requests with it are refused at once. This cannot be undone.`,
    )
    await confirm.getByRole('button', { name: 'Revoke key' }).click()
    await expect.poll(() => keys.count()).toBe(1)
    expect(await keys.first().textContent()).toContain(`${rotated.prefix}…${rotated.last4}`)
  })
})
