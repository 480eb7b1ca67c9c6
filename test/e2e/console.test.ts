import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { decodedWidth, PASSWORD, useConsole } from '../helpers/console-harness.ts'
import { images } from '../helpers/images.ts'
import { linkIn } from '../helpers/mail-catcher.ts'
import { screenshots } from '../helpers/screenshots.ts'

describe('the console', () => {
  const portico = useConsole({
    name: 'walk',
    env: { ORG_CREATION_LIMIT: '0', RATE_LIMIT: 'off' },
    clipboard: true,
  })
  const { newPage } = portico

  const shot = (page: Page, name: string) => page.screenshot({ path: join(screenshots, `${name}.png`) })

  /** Signs up on the sign-up page, as a person does. */
  async function signUpOnPage(page: Page, name: string, email: string) {
    await page.goto(`${portico.base}/sign-up`)
    await page.getByLabel('Name').fill(name)
    await page.getByLabel('Email').fill(email)
    await page.getByLabel('Password').fill(PASSWORD)
    await page.getByRole('button', { name: 'Create account' }).click()
  }

  it('verifies an email and resets a forgotten password from the mailed links', async () => {
    const page = await newPage()
    await signUpOnPage(page, 'Vera Verify', 'vera@example.com')
    await expect
      .poll(() => page.getByRole('heading', { name: 'Welcome, Vera Verify' }).isVisible())
      .toBe(true)
    const verify = linkIn(await portico.mail.next('vera@example.com'), `${portico.base}/verify-email/`)
    await page.goto(verify)
    await expect.poll(() => page.getByText('vera@example.com is verified.').count()).toBe(1)

    const stranger = await newPage()
    await stranger.goto(`${portico.base}/sign-in`)
    await stranger.getByRole('link', { name: 'Forgot your password?' }).click()
    await stranger.getByLabel('Email').fill('vera@example.com')
    await stranger.getByRole('button', { name: 'Send the link' }).click()
    await expect.poll(() => stranger.getByRole('status').textContent()).toContain('is on its way')
    const reset = linkIn(await portico.mail.next('vera@example.com'), `${portico.base}/reset-password/`)
    await stranger.goto(reset)
    await stranger.getByLabel('New password').fill('a brand new password')
    await stranger.getByRole('button', { name: 'Set password' }).click()
    await expect
      .poll(() => stranger.getByRole('status').textContent())
      .toContain('every session was signed out')
    // The old session ended: the first page is sent to sign in on its next request.
    await page.goto(`${portico.base}/`)
    await page.waitForURL(/\/sign-in/)
    await page.getByLabel('Email').fill('vera@example.com')
    await page.getByLabel('Password').fill('a brand new password')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await expect
      .poll(() => page.getByRole('heading', { name: 'Welcome, Vera Verify' }).isVisible())
      .toBe(true)
  })

  it('switches organizations, shows a rename and a new logo in the header, keeps portal-only members to the portal, fits 375 px', async () => {
    const page = await newPage()
    await signUpOnPage(page, 'Sam Switcher', 'sam@example.com')
    await page.getByLabel('Organization name').fill('Blue Team')
    await page.getByRole('button', { name: 'Create', exact: true }).click()
    await page.getByRole('button', { name: 'Skip for now' }).click()
    await page.waitForURL(`${portico.base}/o/blue-team/settings`)

    // "Click the organization switcher. Click Create Organization. Enter a Name and Slug URL."
    await page.getByRole('button', { name: /Blue Team/ }).click()
    await page.getByRole('menuitem', { name: '+ Create organization' }).click()
    const dialog = page.getByRole('dialog', { name: 'Create organization' })
    await dialog.getByLabel('Organization name').fill('Red Team')
    expect(await dialog.getByLabel('Slug URL (handle)').inputValue()).toBe('red-team')
    await dialog.getByRole('button', { name: 'Create', exact: true }).click()
    // The dialog's second step, as after the first organization: invite the team, or skip it.
    await dialog.getByRole('heading', { name: 'Invite your team' }).waitFor()
    expect(await dialog.getByRole('paragraph').first().textContent()).toContain('Red Team is ready.')
    await dialog.getByRole('button', { name: 'Skip for now' }).click()
    await page.waitForURL(`${portico.base}/o/red-team/settings`)
    expect(await page.getByRole('dialog').count()).toBe(0)

    // Something only Red Team has: an application.
    await page.getByRole('link', { name: 'Applications' }).click()
    await page.getByLabel('New application name').fill('Red App')
    await page.getByRole('button', { name: 'Create application' }).click()
    await expect.poll(() => page.getByRole('link', { name: 'Red App' }).count()).toBe(1)

    // "Select the required organization from the Organization list in the header."
    await page.getByRole('button', { name: /Red Team/ }).click()
    expect(await page.getByRole('menuitemradio', { name: /Red Team/ }).getAttribute('aria-checked')).toBe(
      'true',
    )
    await page.getByRole('menuitemradio', { name: /Blue Team/ }).click()
    await page.waitForURL(`${portico.base}/o/blue-team/applications`)
    await expect.poll(() => page.getByText('No applications yet.').count()).toBe(1)
    expect(await page.getByRole('link', { name: 'Red App' }).count()).toBe(0)
    await expect.poll(() => page.title()).toBe('Applications · Blue Team · Portico')

    // "Organization owners and admins can update the name and the logo": both show in the header.
    await page.getByRole('link', { name: 'Settings' }).click()
    await page.getByLabel('Organization name').fill('Blue Squad')
    await page.getByRole('button', { name: 'Save name' }).click()
    await expect.poll(() => page.getByRole('button', { name: /Blue Squad/ }).count()).toBe(1)
    await page
      .locator('input[type=file]')
      .setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: images.png(32, 32) })
    await expect.poll(() => page.locator('header img.logo').count()).toBe(1)
    // The element shows before its bytes arrive: wait for the decode, not just the element.
    expect(await decodedWidth(page.locator('header img.logo'))).toBe(32)

    // An external API subscriber sees only the portal: no Members, no Settings.
    await page.getByRole('link', { name: 'Invitations' }).click()
    await page.getByRole('button', { name: 'Invite Member' }).click()
    await page.getByLabel('Email address').fill('eve@example.com')
    // External API subscriber stands alone: no access level beside it.
    await page.getByRole('radio', { name: /^None/ }).check()
    await page.getByRole('checkbox', { name: /^External API subscriber/ }).check()
    await page.getByRole('button', { name: 'Send Invitation' }).click()
    const link = linkIn(await portico.mail.next('eve@example.com'), `${portico.base}/invitations/`)
    const external = await newPage()
    await external.goto(link)
    await external.getByRole('link', { name: 'create an account' }).click()
    await external.getByLabel('Name').fill('Eve External')
    await external.getByLabel('Password').fill('external password')
    await external.getByRole('button', { name: 'Create account' }).click()
    await external.waitForURL(link)
    await external.getByRole('button', { name: 'Accept' }).click()
    await external.waitForURL(/\/o\/blue-team\//)
    const nav = external.getByRole('navigation', { name: 'Organization' })
    await expect.poll(() => nav.getByRole('link').allTextContents()).toEqual(['APIs', 'Applications'])

    // At 375 px wide the console still works: navigation and content fit the screen.
    await page.setViewportSize({ width: 375, height: 740 })
    await page.getByRole('link', { name: 'Members' }).click()
    await expect.poll(() => page.getByRole('heading', { name: 'Members' }).isVisible()).toBe(true)
    const overflowing = await page.evaluate(() =>
      [...document.querySelectorAll('body *')]
        .filter((element) => element.getBoundingClientRect().right > 376 && !element.closest('.table-wrap'))
        .map((element) => `${element.tagName.toLowerCase()}.${element.className}`)
        .slice(0, 8),
    )
    expect(overflowing).toEqual([])
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375)
    await shot(page, 'members-375px')
  })

  it('walks the seeds: sign up, create, copy ID and handle, invite, accept, roles, removal, keys', async () => {
    // A first-time user signs up and must create an organization.
    const owner = await newPage()
    await owner.goto(`${portico.base}/sign-in`)
    await shot(owner, 'sign-in')
    await signUpOnPage(owner, 'Olivia Owner', 'olivia@example.com')
    await expect
      .poll(() => owner.getByRole('heading', { name: 'Create your organization' }).isVisible())
      .toBe(true)
    // "Enter an Organization Name and Slug URL": the slug is prefilled from the name.
    await owner.getByLabel('Organization name').fill('Acme Developer Portal')
    expect(await owner.getByLabel('Slug URL (handle)').inputValue()).toBe('acme-developer-portal')
    await shot(owner, 'create-organization')
    await owner.getByRole('button', { name: 'Create', exact: true }).click()
    await owner.getByRole('button', { name: 'Skip for now' }).click()
    await owner.waitForURL(`${portico.base}/o/acme-developer-portal/settings`)
    await expect.poll(() => owner.title()).toBe('Settings · Acme Developer Portal · Portico')

    // "In the left navigation, click Settings. Under Organization click Copy ID / Copy Handle."
    await owner
      .getByRole('navigation', { name: 'Organization' })
      .getByRole('link', { name: 'Settings' })
      .click()
    const id = (await owner.locator('dd code').first().textContent()) ?? ''
    expect(id).toMatch(/^[0-9a-f-]{36}$/)
    await owner.getByRole('button', { name: 'Copy ID' }).click()
    expect(await owner.evaluate(() => navigator.clipboard.readText())).toBe(id)
    await expect.poll(() => owner.getByText('Copy ID: copied to the clipboard').count()).toBe(1)
    await owner.getByRole('button', { name: 'Copy Handle' }).click()
    expect(await owner.evaluate(() => navigator.clipboard.readText())).toBe('acme-developer-portal')
    await shot(owner, 'settings')

    // "Click Invite Member. Enter the email address. Select a role. Click Send Invitation."
    await owner.getByRole('link', { name: 'Invitations' }).click()
    await owner.getByRole('button', { name: 'Invite Member' }).click()
    await owner.getByLabel('Email address').fill('ivan@example.com')
    await owner.getByRole('radio', { name: /^None/ }).check()
    await owner.getByRole('checkbox', { name: /^API publisher/ }).check()
    await owner.getByRole('checkbox', { name: /^Developer/ }).check()
    await shot(owner, 'invite-dialog')
    await owner.getByRole('button', { name: 'Send Invitation' }).click()
    const invitations = owner.getByRole('list', { name: 'Invitations' })
    await expect.poll(() => invitations.getByText('ivan@example.com').count()).toBe(1)
    expect(await invitations.locator('.badge.pending').count()).toBe(1)

    // The invitee opens the link from the mail, registers, accepts, and lands in the organization.
    const link = linkIn(await portico.mail.next('ivan@example.com'), `${portico.base}/invitations/`)
    const invitee = await newPage()
    await invitee.goto(link)
    await expect
      .poll(() => invitee.getByRole('heading', { name: 'Join Acme Developer Portal' }).isVisible())
      .toBe(true)
    await invitee.getByRole('link', { name: 'create an account' }).click()
    expect(await invitee.getByLabel('Email').inputValue()).toBe('ivan@example.com')
    await invitee.getByLabel('Name').fill('Ivan Invitee')
    await invitee.getByLabel('Password').fill('another long password')
    await invitee.getByRole('button', { name: 'Create account' }).click()
    await invitee.waitForURL(link)
    await invitee.getByRole('button', { name: 'Accept' }).click()
    await invitee.waitForURL(`${portico.base}/o/acme-developer-portal/members`)

    // The owner sees them in Members with roles and join date, and changes their role.
    await owner.getByRole('link', { name: 'Members' }).click()
    const row = owner.getByRole('row', { name: /Ivan Invitee/ })
    await expect.poll(() => row.textContent()).toContain('API publisher')
    expect(await row.locator('.chip').allTextContents()).toEqual(['API publisher', 'Developer'])
    expect(await row.textContent()).toMatch(/\d{4}/)
    await shot(owner, 'members')
    await owner.getByRole('button', { name: 'Edit roles of Ivan Invitee' }).click()
    await owner.getByRole('checkbox', { name: /^API publisher/ }).uncheck()
    await owner.getByRole('checkbox', { name: /^Developer/ }).uncheck()
    await owner.getByRole('radio', { name: /^Member/ }).check()
    await owner.getByRole('button', { name: 'Save roles' }).click()
    await expect.poll(async () => (await row.textContent()) ?? '').not.toContain('API publisher')

    // A Member sees lists, no edit controls.
    await invitee.reload()
    await expect.poll(() => invitee.getByRole('row', { name: /Olivia Owner/ }).count()).toBe(1)
    expect(await invitee.getByRole('button', { name: /^Edit roles/ }).count()).toBe(0)
    expect(await invitee.getByRole('button', { name: /^Remove / }).count()).toBe(0)
    expect(await invitee.getByRole('link', { name: 'Settings' }).count()).toBe(1)

    // An API key is created, shown once, copied, revoked.
    await owner.getByRole('link', { name: 'Applications' }).click()
    await owner.getByLabel('New application name').fill('Storefront')
    await owner.getByRole('button', { name: 'Create application' }).click()
    await owner.getByRole('link', { name: 'Storefront' }).click()
    await owner.getByRole('button', { name: 'Create key' }).click()
    const secret = (await owner.getByTestId('secret').textContent()) ?? ''
    expect(secret).toMatch(/^portico_production_[0-9A-Za-z]{38}$/)
    await shot(owner, 'applications')
    await owner.getByRole('button', { name: 'Copy key' }).click()
    expect(await owner.evaluate(() => navigator.clipboard.readText())).toBe(secret)
    await owner.getByRole('button', { name: 'Done' }).click()
    expect(await owner.getByText(secret).count()).toBe(0)
    await owner.getByRole('button', { name: /^Revoke key / }).click()
    await owner
      .getByRole('dialog', { name: 'Revoke key' })
      .getByRole('button', { name: 'Revoke key' })
      .click()
    await expect.poll(() => owner.getByText('No keys yet.').count()).toBe(1)

    // Removing a member takes them out on their next navigation: the page says so where they are.
    await owner.getByRole('link', { name: 'Members' }).click()
    await owner.getByRole('button', { name: 'Remove member Ivan Invitee' }).click()
    await expect.poll(() => owner.getByText('will lose access to Acme Developer Portal').count()).toBe(1)
    await owner
      .getByRole('dialog', { name: 'Remove member' })
      .getByRole('button', { name: 'Remove member' })
      .click()
    await expect.poll(() => owner.getByRole('row', { name: /Ivan Invitee/ }).count()).toBe(0)
    // Their memberships, read again once a page finds them removed, come late (as on a slow
    // network): "/" waits for them instead of following the old list back to the lost organization.
    await invitee.route('**/v1/me', async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 1_500))
      await route.continue()
    })
    await invitee.getByRole('link', { name: 'Invitations' }).click()
    await invitee.getByRole('heading', { name: 'Page not found' }).waitFor()
    expect(invitee.url()).toBe(`${portico.base}/o/acme-developer-portal/invitations`)
    await invitee.getByRole('link', { name: 'Go to your organizations' }).click()
    // Polled past the late answer (and a loaded machine's slowness), not only expect.poll's 1 s.
    await expect
      .poll(() => invitee.getByRole('heading', { name: 'Create your organization' }).isVisible(), {
        timeout: 15_000,
      })
      .toBe(true)
    expect(invitee.url()).toBe(`${portico.base}/`)
  })

  it('lists my sessions under the account menu and signs out another one', async () => {
    const laptop = await newPage()
    await signUpOnPage(laptop, 'Sid Sessions', 'sid@example.com')
    await laptop.getByLabel('Organization name').fill('Sid Works')
    await laptop.getByRole('button', { name: 'Create', exact: true }).click()
    await laptop.getByRole('button', { name: 'Skip for now' }).click()
    await laptop.waitForURL(`${portico.base}/o/sid-works/settings`)

    const phone = await newPage()
    await phone.goto(`${portico.base}/sign-in`)
    await phone.getByLabel('Email').fill('sid@example.com')
    await phone.getByLabel('Password').fill('a long enough password')
    await phone.getByRole('button', { name: 'Sign in' }).click()
    await phone.waitForURL(`${portico.base}/o/sid-works/**`)

    await laptop.locator('summary', { hasText: 'Sid Sessions' }).click()
    await laptop.getByRole('button', { name: 'Sessions' }).click()
    const dialog = laptop.getByRole('dialog', { name: 'Your sessions' })
    const sessions = dialog.getByRole('list', { name: 'Sessions' }).getByRole('listitem')
    await expect.poll(() => sessions.count()).toBe(2)
    expect(await dialog.getByText('This session').count()).toBe(1)
    await shot(laptop, 'sessions')
    // Only the other session has a button: this one is ended with "Sign out" in the menu.
    const signOutOther = dialog.getByRole('button', { name: /^Sign out Chrome/ })
    expect(await signOutOther.count()).toBe(1)
    await signOutOther.click()
    await expect.poll(() => sessions.count()).toBe(1)
    await dialog.getByRole('button', { name: 'Close' }).click()

    // The phone's session ended: its next request is sent to sign in; the laptop goes on.
    await phone.goto(`${portico.base}/`)
    await phone.waitForURL(/\/sign-in/)
    await laptop.goto(`${portico.base}/o/sid-works/settings`)
    await laptop.locator('summary', { hasText: 'Sid Sessions' }).waitFor()
  })
})
