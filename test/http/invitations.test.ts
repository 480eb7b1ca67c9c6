// Black-box tests of API.md "Invitations" on PGlite and PostgreSQL, with mail read from a real SMTP
// server: the link in the mail is the one that works.
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databases } from '../helpers/databases.ts'
import { call, PASSWORD, signUp, uniqueEmail } from '../helpers/http.ts'
import { images } from '../helpers/images.ts'
import { linkIn, type MailCatcher, startMailCatcher } from '../helpers/mail-catcher.ts'
import {
  addMember,
  createOrganization,
  eventTypes,
  inviteByMail,
  type Person,
  tokenOf,
} from '../helpers/organizations.ts'
import { PUBLIC_URL, startTestPortico, type TestPortico } from '../helpers/test-portico.ts'

describe.each(databases)('invitations on %s', (databaseName) => {
  let portico: TestPortico
  let mail: MailCatcher
  beforeAll(async () => {
    mail = await startMailCatcher()
    portico = await startTestPortico(databaseName, { mail, env: { ORG_CREATION_LIMIT: '0' } })
  })
  afterAll(async () => {
    await portico?.close()
    await mail?.close()
  })
  const app = () => portico.app
  const db = () => portico.database.db

  /** An owner with an organization; their verification mail is consumed. */
  async function organizationWithOwner(name = 'Inviting Org') {
    const owner = (await signUp(app(), { name: 'Olivia Owner' })) as Person
    await mail.next(owner.email)
    const org = await createOrganization(app(), owner, name)
    return { owner, org }
  }

  const invite = (org: { id: string }, inviter: Person, email: string, roles?: string[]) =>
    inviteByMail(app(), mail, org, inviter, email, roles)

  describe('happy paths', () => {
    it('invites by email with roles; the mail names the organization, inviter and roles and holds the link', async () => {
      const { owner, org } = await organizationWithOwner('Mailing Co')
      const email = uniqueEmail('invitee')
      const answer = await call(app(), 'POST', `/v1/organizations/${org.id}/invitations`, {
        token: owner.token,
        body: { email, roles: ['api-publisher', 'developer'] },
      })
      expect(answer.status).toBe(201)
      expect(answer.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        email,
        roles: ['api-publisher', 'developer'],
        status: 'pending',
        invitedBy: { userId: owner.user.id, name: 'Olivia Owner' },
        createdAt: portico.clock.now().toISOString(),
        expiresAt: new Date(portico.clock.now().getTime() + 168 * 3600 * 1000).toISOString(),
      })
      expect(JSON.stringify(answer.body)).not.toMatch(/[A-Za-z0-9_-]{43}/)
      const mailed = await mail.next(email)
      expect(mailed.subject).toBe('Olivia Owner invited you to Mailing Co on Portico')
      expect(mailed.text).toContain('Your roles: API publisher, Developer.')
      expect(mailed.text).toContain(new Date(answer.body.expiresAt).toUTCString())
      const link = linkIn(mailed, `${PUBLIC_URL}/invitations/`)
      expect(mailed.html).toContain(link)
      expect(mailed.html).toContain('<strong>Mailing Co</strong>')
      expect(await eventTypes(db(), org.id)).toEqual([
        'organization.created',
        'member.added',
        'invitation.created',
      ])
    })

    it('previews an invitation without a session from the token in the mail', async () => {
      const { owner, org } = await organizationWithOwner('Preview Co')
      const email = uniqueEmail('preview')
      const { token, invitation } = await invite(org, owner, email, ['member'])
      const preview = await call(app(), 'GET', `/v1/invitations/${token}`)
      expect(preview.status).toBe(200)
      expect(preview.body).toEqual({
        organization: { id: org.id, handle: org.handle, name: 'Preview Co', logoUrl: null },
        email,
        roles: ['member'],
        invitedBy: { name: 'Olivia Owner' },
        expiresAt: invitation.expiresAt,
        status: 'pending',
      })
    })

    it('registers from the link with the invitation token (verified at once, no verification mail), then accepts', async () => {
      const { owner, org } = await organizationWithOwner('Join Us')
      const email = uniqueEmail('newcomer')
      const { token } = await invite(org, owner, email, ['api-subscriber', 'developer'])
      const registered = await call(app(), 'POST', '/v1/auth/sign-up', {
        body: {
          email: email.toUpperCase(),
          password: PASSWORD,
          name: 'Nina Newcomer',
          invitationToken: token,
        },
      })
      expect(registered.status).toBe(201)
      expect(registered.body.user.emailVerified).toBe(true)
      await expect(mail.next(email, 300)).rejects.toThrow(/no mail/)

      portico.clock.advance(1000)
      const accepted = await call(app(), 'POST', `/v1/invitations/${token}/accept`, {
        token: registered.body.token,
      })
      expect(accepted.status).toBe(200)
      expect(accepted.body.organization).toMatchObject({
        id: org.id,
        name: 'Join Us',
        roles: ['api-subscriber', 'developer'],
      })
      expect(accepted.body.member).toEqual({
        userId: registered.body.user.id,
        email: email.toUpperCase(),
        name: 'Nina Newcomer',
        roles: ['api-subscriber', 'developer'],
        joinedAt: portico.clock.now().toISOString(),
      })
      // The new member's first request: the organization is active and readable.
      const me = await call(app(), 'GET', '/v1/me', { token: registered.body.token })
      expect(me.body.activeOrganizationId).toBe(org.id)
      expect(
        (await call(app(), 'GET', `/v1/organizations/${org.id}`, { token: registered.body.token })).status,
      ).toBe(200)
      const members = await call(app(), 'GET', `/v1/organizations/${org.id}/members`, { token: owner.token })
      expect(members.body.items.map((m: { name: string }) => m.name)).toEqual([
        'Olivia Owner',
        'Nina Newcomer',
      ])
      const listed = await call(app(), 'GET', `/v1/organizations/${org.id}/invitations`, {
        token: owner.token,
      })
      expect(listed.body.items[0]).toMatchObject({ email, status: 'accepted' })
      expect(await eventTypes(db(), org.id)).toEqual([
        'organization.created',
        'member.added',
        'invitation.created',
        'invitation.accepted',
        'member.added',
      ])
    })

    it('lets an existing user accept, verifying their email, keeping their active organization', async () => {
      const { owner, org } = await organizationWithOwner('Second Home')
      const existing = (await signUp(app())) as Person
      await mail.next(existing.email)
      const theirOwn = await createOrganization(app(), existing, 'Their Own')
      const { token } = await invite(org, owner, existing.email, ['member'])
      const accepted = await call(app(), 'POST', `/v1/invitations/${token}/accept`, { token: existing.token })
      expect(accepted.status).toBe(200)
      const me = await call(app(), 'GET', '/v1/me', { token: existing.token })
      expect(me.body.user.emailVerified).toBe(true)
      expect(me.body.activeOrganizationId).toBe(theirOwn.id)
      expect(me.body.organizations.map((o: { name: string }) => o.name).sort()).toEqual([
        'Second Home',
        'Their Own',
      ])
    })

    it('lets a verified member of another organization accept without rewriting their user or session', async () => {
      const { owner, org } = await organizationWithOwner('Third Home')
      const existing = (await signUp(app())) as Person
      const link = linkIn(await mail.next(existing.email), `${PUBLIC_URL}/verify-email/`)
      await call(app(), 'POST', '/v1/auth/email-verification/confirm', { body: { token: tokenOf(link) } })
      const theirOwn = await createOrganization(app(), existing, 'Their Own')
      const { token } = await invite(org, owner, existing.email, ['member'])
      // A row's xmin is the transaction that last wrote it.
      const versions = async () =>
        (
          await sql<{ user_version: string; session_version: string }>`
            select (select xmin::text from users where id = ${existing.user.id}) as user_version,
              (select xmin::text from sessions where user_id = ${existing.user.id}) as session_version`.execute(
            db(),
          )
        ).rows[0]
      const before = await versions()
      expect(before?.user_version).toMatch(/^[0-9]+$/)
      expect(before?.session_version).toMatch(/^[0-9]+$/)
      const accepted = await call(app(), 'POST', `/v1/invitations/${token}/accept`, { token: existing.token })
      expect(accepted.status).toBe(200)
      expect(await versions()).toEqual(before)
      const me = await call(app(), 'GET', '/v1/me', { token: existing.token })
      expect([me.body.user.emailVerified, me.body.activeOrganizationId]).toEqual([true, theirOwn.id])
    })

    it('declines: 204, no membership, the invitation reads declined', async () => {
      const { owner, org } = await organizationWithOwner()
      const invitee = (await signUp(app())) as Person
      await mail.next(invitee.email)
      const { token } = await invite(org, owner, invitee.email)
      expect(
        (await call(app(), 'POST', `/v1/invitations/${token}/decline`, { token: invitee.token })).status,
      ).toBe(204)
      expect((await call(app(), 'GET', `/v1/organizations/${org.id}`, { token: invitee.token })).status).toBe(
        404,
      )
      expect((await call(app(), 'GET', `/v1/invitations/${token}`)).body.status).toBe('declined')
      expect(await eventTypes(db(), org.id)).toContain('invitation.declined')
    })

    it('revokes: 204, the link stops working, the list shows it revoked', async () => {
      const { owner, org } = await organizationWithOwner()
      const invitee = (await signUp(app())) as Person
      await mail.next(invitee.email)
      const { token, invitation } = await invite(org, owner, invitee.email)
      expect(
        (
          await call(app(), 'DELETE', `/v1/organizations/${org.id}/invitations/${invitation.id}`, {
            token: owner.token,
          })
        ).status,
      ).toBe(204)
      const accept = await call(app(), 'POST', `/v1/invitations/${token}/accept`, { token: invitee.token })
      expect(accept.status).toBe(410)
      expect(accept.body.code).toBe('invitation_not_pending')
      const revoked = await call(app(), 'GET', `/v1/organizations/${org.id}/invitations?status=revoked`, {
        token: owner.token,
      })
      expect(revoked.body.items.map((i: { id: string }) => i.id)).toEqual([invitation.id])
      expect(await eventTypes(db(), org.id)).toContain('invitation.revoked')
    })

    it('resends with a new token and expiry: the old link stops working, the new one works', async () => {
      const { owner, org } = await organizationWithOwner()
      const invitee = (await signUp(app())) as Person
      await mail.next(invitee.email)
      const first = await invite(org, owner, invitee.email)
      portico.clock.advance(3600 * 1000)
      const resent = await call(
        app(),
        'POST',
        `/v1/organizations/${org.id}/invitations/${first.invitation.id}/resend`,
        {
          token: owner.token,
        },
      )
      expect(resent.status).toBe(200)
      expect(resent.body).toMatchObject({ id: first.invitation.id, status: 'pending' })
      expect(new Date(resent.body.expiresAt).getTime()).toBe(
        portico.clock.now().getTime() + 168 * 3600 * 1000,
      )
      const second = tokenOf(linkIn(await mail.next(invitee.email), `${PUBLIC_URL}/invitations/`))
      expect(second).not.toBe(first.token)
      expect((await call(app(), 'GET', `/v1/invitations/${first.token}`)).status).toBe(404)
      expect(
        (await call(app(), 'POST', `/v1/invitations/${first.token}/accept`, { token: invitee.token })).status,
      ).toBe(404)
      expect(
        (await call(app(), 'POST', `/v1/invitations/${second}/accept`, { token: invitee.token })).status,
      ).toBe(200)
      expect(await eventTypes(db(), org.id)).toEqual([
        'organization.created',
        'member.added',
        'invitation.created',
        'invitation.resent',
        'invitation.accepted',
        'member.added',
      ])
    })

    it('lists my pending invitations only once my email is verified, and lets me accept one by id', async () => {
      const { owner, org } = await organizationWithOwner('Listed For Me')
      const invitee = (await signUp(app())) as Person
      const verifyLink = linkIn(await mail.next(invitee.email), `${PUBLIC_URL}/verify-email/`)
      const { invitation } = await invite(org, owner, invitee.email, ['developer'])
      expect((await call(app(), 'GET', '/v1/me/invitations', { token: invitee.token })).body).toEqual({
        items: [],
        nextCursor: null,
      })
      expect(
        (await call(app(), 'POST', `/v1/me/invitations/${invitation.id}/accept`, { token: invitee.token }))
          .status,
      ).toBe(404)
      await call(app(), 'POST', '/v1/auth/email-verification/confirm', {
        body: { token: tokenOf(verifyLink) },
      })
      const mine = await call(app(), 'GET', '/v1/me/invitations', { token: invitee.token })
      expect(mine.body.items).toEqual([
        {
          ...invitation,
          organization: { id: org.id, handle: org.handle, name: 'Listed For Me', logoUrl: null },
        },
      ])
      const accepted = await call(app(), 'POST', `/v1/me/invitations/${invitation.id}/accept`, {
        token: invitee.token,
      })
      expect(accepted.status).toBe(200)
      expect(accepted.body.member.roles).toEqual(['developer'])
      expect((await call(app(), 'GET', '/v1/me/invitations', { token: invitee.token })).body.items).toEqual(
        [],
      )
    })

    it('shows expiry as a status without any job: expired in the list and the preview, refused on accept', async () => {
      const short = await startTestPortico(databaseName, { mail, env: { INVITATION_TTL_HOURS: '0.001' } })
      try {
        const owner = (await signUp(short.app)) as Person
        await mail.next(owner.email)
        const org = await createOrganization(short.app, owner, 'Short Lived')
        const invitee = (await signUp(short.app)) as Person
        await mail.next(invitee.email)
        await call(short.app, 'POST', `/v1/organizations/${org.id}/invitations`, {
          token: owner.token,
          body: { email: invitee.email, roles: ['member'] },
        })
        const token = tokenOf(linkIn(await mail.next(invitee.email), `${PUBLIC_URL}/invitations/`))
        short.clock.advance(3601)
        expect((await call(short.app, 'GET', `/v1/invitations/${token}`)).body.status).toBe('expired')
        const listed = await call(
          short.app,
          'GET',
          `/v1/organizations/${org.id}/invitations?status=expired`,
          { token: owner.token },
        )
        expect(listed.body.items).toHaveLength(1)
        expect(listed.body.items[0].status).toBe('expired')
        expect(
          (
            await call(short.app, 'GET', `/v1/organizations/${org.id}/invitations?status=pending`, {
              token: owner.token,
            })
          ).body.items,
        ).toEqual([])
        const accept = await call(short.app, 'POST', `/v1/invitations/${token}/accept`, {
          token: invitee.token,
        })
        expect(accept.status).toBe(410)
        expect(accept.body.code).toBe('invitation_expired')
        // A new invitation to the same email may go out once the old one expired.
        const again = await call(short.app, 'POST', `/v1/organizations/${org.id}/invitations`, {
          token: owner.token,
          body: { email: invitee.email, roles: ['member'] },
        })
        expect(again.status).toBe(201)
      } finally {
        await short.close()
      }
    })

    it('shows the organization logo inline in the mail', async () => {
      const { owner, org } = await organizationWithOwner('Logo Mail')
      await app().inject({
        method: 'PUT',
        url: `/v1/organizations/${org.id}/logo`,
        headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'image/png' },
        payload: images.png(16, 16),
      })
      const email = uniqueEmail('logo')
      await call(app(), 'POST', `/v1/organizations/${org.id}/invitations`, {
        token: owner.token,
        body: { email, roles: ['member'] },
      })
      const mailed = await mail.next(email)
      // The HTML refers to the logo by Content-ID; the parser resolving it to the bytes proves it is attached.
      expect(mailed.raw).toMatch(/^Content-ID: <organization-logo@portico>/im)
      expect(mailed.html).toContain(
        `<img src="data:image/png;base64,${images.png(16, 16).toString('base64')}"`,
      )
    })
    it("serves the organization's logo to the invitee under the invitation's path, by token and from their list", async () => {
      const { owner, org } = await organizationWithOwner('Logo Preview')
      const logo = images.png(16, 16)
      const uploaded = await app().inject({
        method: 'PUT',
        url: `/v1/organizations/${org.id}/logo`,
        headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'image/png' },
        payload: logo,
      })
      const version = new URL(uploaded.json().logoUrl).searchParams.get('v')
      const invitee = (await signUp(app())) as Person
      const verifyLink = linkIn(await mail.next(invitee.email), `${PUBLIC_URL}/verify-email/`)
      await call(app(), 'POST', '/v1/auth/email-verification/confirm', {
        body: { token: tokenOf(verifyLink) },
      })
      const { invitation, token } = await invite(org, owner, invitee.email)
      // The invitee is no member: the organization's own logo URL is closed to them.
      expect(
        (await call(app(), 'GET', `/v1/organizations/${org.id}/logo`, { token: invitee.token })).status,
      ).toBe(404)
      const preview = await call(app(), 'GET', `/v1/invitations/${token}`)
      expect(preview.body.organization.logoUrl).toBe(
        `${PUBLIC_URL}/v1/invitations/${token}/logo?v=${version}`,
      )
      const mine = await call(app(), 'GET', '/v1/me/invitations', { token: invitee.token })
      expect(mine.body.items[0].organization.logoUrl).toBe(
        `${PUBLIC_URL}/v1/me/invitations/${invitation.id}/logo?v=${version}`,
      )
      const byToken = await app().inject({ method: 'GET', url: `/v1/invitations/${token}/logo?v=${version}` })
      expect(byToken.statusCode).toBe(200)
      expect(byToken.headers['content-type']).toBe('image/png')
      expect(byToken.rawPayload.equals(logo)).toBe(true)
      expect(byToken.headers['cache-control']).toBe('no-store')
      const byId = await app().inject({
        method: 'GET',
        url: `/v1/me/invitations/${invitation.id}/logo`,
        headers: { authorization: `Bearer ${invitee.token}` },
      })
      expect(byId.statusCode).toBe(200)
      expect(byId.rawPayload.equals(logo)).toBe(true)
      // Someone else's session, no session, or a forged token: 404 / 401, nothing of the image.
      const stranger = (await signUp(app())) as Person
      const strangers = await call(app(), 'GET', `/v1/me/invitations/${invitation.id}/logo`, {
        token: stranger.token,
      })
      expect(strangers.status).toBe(404)
      expect((await call(app(), 'GET', `/v1/me/invitations/${invitation.id}/logo`)).status).toBe(401)
      expect((await call(app(), 'GET', `/v1/invitations/${'A'.repeat(43)}/logo`)).status).toBe(404)
      // Once declined, the link still previews with its logo; the list (and its logo) no longer has it.
      await call(app(), 'POST', `/v1/invitations/${token}/decline`, { token: invitee.token })
      expect((await app().inject({ method: 'GET', url: `/v1/invitations/${token}/logo` })).statusCode).toBe(
        200,
      )
      expect(
        (await call(app(), 'GET', `/v1/me/invitations/${invitation.id}/logo`, { token: invitee.token }))
          .status,
      ).toBe(404)
    })

    it('answers 404 for the logo of an organization that has none (the preview says null)', async () => {
      const { owner, org } = await organizationWithOwner('No Logo')
      const { token } = await invite(org, owner, uniqueEmail('nologo'))
      expect((await call(app(), 'GET', `/v1/invitations/${token}`)).body.organization.logoUrl).toBeNull()
      const answer = await call(app(), 'GET', `/v1/invitations/${token}/logo`)
      expect(answer.status).toBe(404)
      expect(answer.body.code).toBe('not_found')
    })
  })

  describe('errors', () => {
    it('refuses inviting a member (409 already_member) and a second pending invitation (409 invitation_pending)', async () => {
      const { owner, org } = await organizationWithOwner()
      const member = await addMember(portico, org.id, ['member'])
      await mail.next(member.email)
      const already = await call(app(), 'POST', `/v1/organizations/${org.id}/invitations`, {
        token: owner.token,
        body: { email: member.email.toUpperCase(), roles: ['member'] },
      })
      expect(already.status).toBe(409)
      expect(already.body.code).toBe('already_member')
      const email = uniqueEmail('twice')
      await invite(org, owner, email)
      const twice = await call(app(), 'POST', `/v1/organizations/${org.id}/invitations`, {
        token: owner.token,
        body: { email: email.toUpperCase(), roles: ['developer'] },
      })
      expect(twice.status).toBe(409)
      expect(twice.body.code).toBe('invitation_pending')
    })

    it.each([
      ['a malformed email', { email: 'not-an-email', roles: ['member'] }],
      ['an email with a line break', { email: 'a@b.co\r\nBcc: evil@x.io', roles: ['member'] }],
      ['two emails', { email: 'a@b.co,c@d.co', roles: ['member'] }],
      ['no roles', { email: 'a@b.co', roles: [] }],
      ['an unknown role', { email: 'a@b.co', roles: ['god'] }],
      ['an extra field', { email: 'a@b.co', roles: ['member'], status: 'accepted' }],
      ['Owner and Member', { email: 'a@b.co', roles: ['owner', 'member'] }],
      [
        'an external API subscriber with an internal role',
        { email: 'a@b.co', roles: ['external-api-subscriber', 'api-subscriber'] },
      ],
    ])('refuses an invitation with %s: 400, nothing sent', async (_, body) => {
      const { owner, org } = await organizationWithOwner()
      const answer = await call(app(), 'POST', `/v1/organizations/${org.id}/invitations`, {
        token: owner.token,
        body,
      })
      expect(answer.status).toBe(400)
      expect(answer.body.code).toBe('validation_failed')
      expect(
        (await call(app(), 'GET', `/v1/organizations/${org.id}/invitations`, { token: owner.token })).body
          .items,
      ).toEqual([])
    })

    it('says which roles clash when an invitation combines roles that make no sense', async () => {
      const { owner, org } = await organizationWithOwner()
      const answer = await call(app(), 'POST', `/v1/organizations/${org.id}/invitations`, {
        token: owner.token,
        body: { email: uniqueEmail('clash'), roles: ['member', 'external-api-subscriber'] },
      })
      const message =
        'must not combine External API subscriber with Member: an external API subscriber sees only the developer portal'
      expect(answer.status).toBe(400)
      expect(answer.body).toMatchObject({
        code: 'validation_failed',
        detail: `roles ${message}`,
        errors: [{ in: 'body', path: '/roles', message }],
      })
    })

    it('answers 410 invitation_not_pending to a used or declined token, and 404 to an unknown one', async () => {
      const { owner, org } = await organizationWithOwner()
      const invitee = (await signUp(app())) as Person
      await mail.next(invitee.email)
      const { token } = await invite(org, owner, invitee.email)
      expect(
        (await call(app(), 'POST', `/v1/invitations/${token}/accept`, { token: invitee.token })).status,
      ).toBe(200)
      for (const action of ['accept', 'decline']) {
        const again = await call(app(), 'POST', `/v1/invitations/${token}/${action}`, {
          token: invitee.token,
        })
        expect(again.status).toBe(410)
        expect(again.body.code).toBe('invitation_not_pending')
      }
      const unknown = await call(app(), 'POST', `/v1/invitations/${'Z'.repeat(43)}/accept`, {
        token: invitee.token,
      })
      expect(unknown.status).toBe(404)
      expect(unknown.body.code).toBe('not_found')
    })

    it('refuses revoking or resending an accepted invitation (410), and a missing one (404)', async () => {
      const { owner, org } = await organizationWithOwner()
      const invitee = (await signUp(app())) as Person
      await mail.next(invitee.email)
      const { token, invitation } = await invite(org, owner, invitee.email)
      await call(app(), 'POST', `/v1/invitations/${token}/accept`, { token: invitee.token })
      expect(
        (
          await call(app(), 'DELETE', `/v1/organizations/${org.id}/invitations/${invitation.id}`, {
            token: owner.token,
          })
        ).status,
      ).toBe(410)
      expect(
        (
          await call(app(), 'POST', `/v1/organizations/${org.id}/invitations/${invitation.id}/resend`, {
            token: owner.token,
          })
        ).status,
      ).toBe(410)
      const missing = '00000000-0000-4000-8000-000000000000'
      expect(
        (
          await call(app(), 'DELETE', `/v1/organizations/${org.id}/invitations/${missing}`, {
            token: owner.token,
          })
        ).status,
      ).toBe(404)
    })

    it('needs a session to accept or decline', async () => {
      const { owner, org } = await organizationWithOwner()
      const { token } = await invite(org, owner, uniqueEmail('anon'))
      expect((await call(app(), 'POST', `/v1/invitations/${token}/accept`)).status).toBe(401)
      expect((await call(app(), 'POST', `/v1/invitations/${token}/decline`)).status).toBe(401)
    })
  })

  describe('security', () => {
    it('refuses accepting as another user: 403 invitation_email_mismatch, nothing changes', async () => {
      const { owner, org } = await organizationWithOwner()
      const { token } = await invite(org, owner, uniqueEmail('intended'))
      const intruder = (await signUp(app())) as Person
      const answer = await call(app(), 'POST', `/v1/invitations/${token}/accept`, { token: intruder.token })
      expect(answer.status).toBe(403)
      expect(answer.body.code).toBe('invitation_email_mismatch')
      expect(
        (await call(app(), 'GET', `/v1/organizations/${org.id}`, { token: intruder.token })).status,
      ).toBe(404)
      expect((await call(app(), 'GET', `/v1/invitations/${token}`)).body.status).toBe('pending')
    })

    it('answers forged and truncated tokens with 404, revealing nothing', async () => {
      const { owner, org } = await organizationWithOwner()
      const { token } = await invite(org, owner, uniqueEmail('forged'))
      for (const forged of [
        token.slice(0, 42),
        `${token.slice(0, 42)}${token.endsWith('A') ? 'B' : 'A'}`,
        `${token}x`,
        'A'.repeat(43),
      ]) {
        const answer = await call(app(), 'GET', `/v1/invitations/${forged}`)
        expect(answer.status).toBe(404)
        expect(answer.body).toMatchObject({ code: 'not_found', detail: 'no such invitation' })
      }
    })

    it('refuses escalation by invitation: only roles the inviter could assign, owner only by owners', async () => {
      const { owner, org } = await organizationWithOwner()
      const admin = await addMember(portico, org.id, ['admin'])
      const publisher = await addMember(portico, org.id, ['api-publisher'])
      const ownerByAdmin = await call(app(), 'POST', `/v1/organizations/${org.id}/invitations`, {
        token: admin.token,
        body: { email: uniqueEmail('x'), roles: ['owner'] },
      })
      expect(ownerByAdmin.status).toBe(403)
      expect(ownerByAdmin.body).toMatchObject({ code: 'forbidden', permission: 'organization:delete' })
      const byPublisher = await call(app(), 'POST', `/v1/organizations/${org.id}/invitations`, {
        token: publisher.token,
        body: { email: uniqueEmail('y'), roles: ['member'] },
      })
      expect(byPublisher.status).toBe(403)
      expect(byPublisher.body.permission).toBe('member:invite')
      expect(
        (
          await call(app(), 'POST', `/v1/organizations/${org.id}/invitations`, {
            token: admin.token,
            body: { email: uniqueEmail('z'), roles: ['admin'] },
          })
        ).status,
      ).toBe(201)
      expect(
        (
          await call(app(), 'POST', `/v1/organizations/${org.id}/invitations`, {
            token: owner.token,
            body: { email: uniqueEmail('w'), roles: ['owner'] },
          })
        ).status,
      ).toBe(201)
    })

    it('lets an invitation lapse when its inviter was demoted before the accept (410)', async () => {
      const { owner, org } = await organizationWithOwner()
      const admin = await addMember(portico, org.id, ['admin'])
      await mail.next(admin.email)
      const invitee = (await signUp(app())) as Person
      await mail.next(invitee.email)
      const { token } = await invite(org, admin, invitee.email, ['developer'])
      await call(app(), 'PATCH', `/v1/organizations/${org.id}/members/${admin.user.id}`, {
        token: owner.token,
        body: { roles: ['member'] },
      })
      const answer = await call(app(), 'POST', `/v1/invitations/${token}/accept`, { token: invitee.token })
      expect(answer.status).toBe(410)
      expect(answer.body.code).toBe('invitation_not_pending')
      expect((await call(app(), 'GET', `/v1/organizations/${org.id}`, { token: invitee.token })).status).toBe(
        404,
      )
    })

    it('makes exactly one membership from 20 concurrent accepts', async () => {
      const { owner, org } = await organizationWithOwner()
      const invitee = (await signUp(app())) as Person
      await mail.next(invitee.email)
      const { token } = await invite(org, owner, invitee.email)
      const answers = await Promise.all(
        Array.from({ length: 20 }, () =>
          call(app(), 'POST', `/v1/invitations/${token}/accept`, { token: invitee.token }),
        ),
      )
      expect(answers.filter((a) => a.status === 200)).toHaveLength(1)
      expect(answers.filter((a) => a.status !== 200).every((a) => a.status === 410)).toBe(true)
      const memberships = await db()
        .selectFrom('memberships')
        .select('user_id')
        .where('organization_id', '=', org.id)
        .execute()
      expect(memberships).toHaveLength(2)
    })

    it('ends an accept racing a revoke as one or the other, never both', async () => {
      for (let round = 0; round < 5; round++) {
        const { owner, org } = await organizationWithOwner()
        const invitee = (await signUp(app())) as Person
        await mail.next(invitee.email)
        const { token, invitation } = await invite(org, owner, invitee.email)
        const [accept, revoke] = await Promise.all([
          call(app(), 'POST', `/v1/invitations/${token}/accept`, { token: invitee.token }),
          call(app(), 'DELETE', `/v1/organizations/${org.id}/invitations/${invitation.id}`, {
            token: owner.token,
          }),
        ])
        const member = await db()
          .selectFrom('memberships')
          .select('user_id')
          .where('organization_id', '=', org.id)
          .where('user_id', '=', invitee.user.id)
          .executeTakeFirst()
        const stored = await db()
          .selectFrom('invitations')
          .select('status')
          .where('id', '=', invitation.id)
          .executeTakeFirstOrThrow()
        if (accept.status === 200) {
          expect(revoke.status).toBe(410)
          expect(stored.status).toBe('accepted')
          expect(member).toBeDefined()
        } else {
          expect(revoke.status).toBe(204)
          expect(accept.status).toBe(410)
          expect(stored.status).toBe('revoked')
          expect(member).toBeUndefined()
        }
      }
    })

    it('escapes header and HTML injection in names: no extra header, no markup', async () => {
      const owner = (await signUp(app(), { name: 'Mallory <b>bold</b>' })) as Person
      await mail.next(owner.email)
      const org = await createOrganization(app(), owner, '<script>alert(1)</script> & Co')
      const email = uniqueEmail('escaped')
      await call(app(), 'POST', `/v1/organizations/${org.id}/invitations`, {
        token: owner.token,
        body: { email, roles: ['member'] },
      })
      const mailed = await mail.next(email)
      expect(mailed.html).not.toContain('<script>')
      expect(mailed.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co')
      expect(mailed.html).toContain('Mallory &lt;b&gt;bold&lt;/b&gt;')
      expect(mailed.raw).not.toMatch(/^Bcc:/im)
    })

    it('never shows the token in list answers or the log', async () => {
      const { owner, org } = await organizationWithOwner()
      const email = uniqueEmail('secret')
      const { token } = await invite(org, owner, email)
      await call(app(), 'GET', `/v1/invitations/${token}`)
      const listed = await call(app(), 'GET', `/v1/organizations/${org.id}/invitations`, {
        token: owner.token,
      })
      expect(listed.text).not.toContain(token)
      expect(portico.logs.join('')).not.toContain(token)
      expect(portico.logs.join('')).toContain('/v1/invitations/[redacted]')
    })

    it('answers a non-member 404 for the invitation routes of an organization', async () => {
      const { org } = await organizationWithOwner()
      const stranger = (await signUp(app())) as Person
      expect(
        (await call(app(), 'GET', `/v1/organizations/${org.id}/invitations`, { token: stranger.token }))
          .status,
      ).toBe(404)
      expect(
        (
          await call(app(), 'POST', `/v1/organizations/${org.id}/invitations`, {
            token: stranger.token,
            body: { email: uniqueEmail(), roles: ['member'] },
          })
        ).status,
      ).toBe(404)
    })
  })
})

describe('invitation limits', () => {
  it('limits invitation creation to 100 per 10 minutes per organization (429), and previews per client to 60 a minute', async () => {
    const portico = await startTestPortico('pglite')
    try {
      const owner = (await signUp(portico.app)) as Person
      const org = await createOrganization(portico.app, owner, 'Busy Org')
      for (let i = 0; i < 100; i++) {
        const answer = await call(portico.app, 'POST', `/v1/organizations/${org.id}/invitations`, {
          token: owner.token,
          body: { email: `bulk-${i}@example.com`, roles: ['member'] },
        })
        expect(answer.status).toBe(201)
      }
      const limited = await call(portico.app, 'POST', `/v1/organizations/${org.id}/invitations`, {
        token: owner.token,
        body: { email: 'one-too-many@example.com', roles: ['member'] },
      })
      expect(limited.status).toBe(429)
      expect(limited.body.code).toBe('rate_limited')
      for (let i = 0; i < 60; i++) await call(portico.app, 'GET', `/v1/invitations/${'Q'.repeat(43)}`)
      const previewLimited = await call(portico.app, 'GET', `/v1/invitations/${'Q'.repeat(43)}`)
      expect(previewLimited.status).toBe(429)
    } finally {
      await portico.close()
    }
  })

  it('caps pending invitations at 500 per organization (409 conflict); revoking one makes room', async () => {
    const portico = await startTestPortico('pglite', { env: { RATE_LIMIT: 'off' } })
    try {
      const owner = (await signUp(portico.app)) as Person
      const org = await createOrganization(portico.app, owner, 'Capped Org')
      let last = ''
      for (let i = 0; i < 500; i++) {
        const answer = await call(portico.app, 'POST', `/v1/organizations/${org.id}/invitations`, {
          token: owner.token,
          body: { email: `cap-${i}@example.com`, roles: ['member'] },
        })
        expect(answer.status).toBe(201)
        last = answer.body.id
      }
      const capped = await call(portico.app, 'POST', `/v1/organizations/${org.id}/invitations`, {
        token: owner.token,
        body: { email: 'cap-500@example.com', roles: ['member'] },
      })
      expect(capped.status).toBe(409)
      expect(capped.body.code).toBe('conflict')
      expect(
        (
          await call(portico.app, 'DELETE', `/v1/organizations/${org.id}/invitations/${last}`, {
            token: owner.token,
          })
        ).status,
      ).toBe(204)
      expect(
        (
          await call(portico.app, 'POST', `/v1/organizations/${org.id}/invitations`, {
            token: owner.token,
            body: { email: 'cap-500@example.com', roles: ['member'] },
          })
        ).status,
      ).toBe(201)
    } finally {
      await portico.close()
    }
  })

  it('caps pending invitations at PENDING_INVITATION_LIMIT; expired ones and answered ones do not count', async () => {
    const portico = await startTestPortico('pglite', {
      env: { RATE_LIMIT: 'off', PENDING_INVITATION_LIMIT: '2' },
    })
    try {
      const owner = (await signUp(portico.app)) as Person
      const org = await createOrganization(portico.app, owner, 'Small Cap Org')
      const invite = (email: string) =>
        call(portico.app, 'POST', `/v1/organizations/${org.id}/invitations`, {
          token: owner.token,
          body: { email, roles: ['member'] },
        })
      const first = await invite('small-0@example.com')
      expect(first.status).toBe(201)
      expect((await invite('small-1@example.com')).status).toBe(201)
      const capped = await invite('small-2@example.com')
      expect(capped.status).toBe(409)
      expect(capped.body).toMatchObject({
        code: 'conflict',
        detail: 'this organization has 2 pending invitations; revoke some first',
      })
      expect(
        (
          await call(portico.app, 'DELETE', `/v1/organizations/${org.id}/invitations/${first.body.id}`, {
            token: owner.token,
          })
        ).status,
      ).toBe(204)
      expect((await invite('small-2@example.com')).status).toBe(201)
      // Once both pending ones have expired, they no longer count.
      portico.clock.advance(169 * 3600 * 1000)
      expect((await invite('small-3@example.com')).status).toBe(201)
      expect((await invite('small-4@example.com')).status).toBe(201)
      expect((await invite('small-5@example.com')).status).toBe(409)
    } finally {
      await portico.close()
    }
  })

  it('lifts the per-organization and per-client limits with RATE_LIMIT=off', async () => {
    const portico = await startTestPortico('pglite', { env: { RATE_LIMIT: 'off' } })
    try {
      for (let i = 0; i < 70; i++)
        expect((await call(portico.app, 'GET', `/v1/invitations/${'Q'.repeat(43)}`)).status).toBe(404)
    } finally {
      await portico.close()
    }
  })
})
