// Concurrent accepts are written together (group commit, services/call-groups.ts), on PGlite and
// PostgreSQL: each is answered as if written alone — by token or by id, refused for its own reason
// (another's email, a lapsed inviter, an answered invitation) — and one invitation makes one
// membership however many accept it at once. PGlite has one connection, so fewer calls meet in a
// group there; that groups were written is checked on PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { groupedCalls } from '../helpers/call-groups.ts'
import { databases } from '../helpers/databases.ts'
import { call, signUp } from '../helpers/http.ts'
import { linkIn, type MailCatcher, startMailCatcher } from '../helpers/mail-catcher.ts'
import {
  createOrganization,
  eventTypes,
  inviteByMail,
  type Person,
  tokenOf,
} from '../helpers/organizations.ts'
import { PUBLIC_URL, startTestPortico, type TestPortico } from '../helpers/test-portico.ts'

describe.each(databases)('concurrent acceptance on %s', (databaseName) => {
  let portico: TestPortico
  let mail: MailCatcher
  beforeAll(async () => {
    mail = await startMailCatcher()
    portico = await startTestPortico(databaseName, {
      mail,
      env: { ORG_CREATION_LIMIT: '0', RATE_LIMIT: 'off' },
    })
  })
  afterAll(async () => {
    await portico?.close()
    await mail?.close()
  })
  const app = () => portico.app

  /** A person signed up with a verified email (their verification mail consumed). */
  async function verifiedPerson(): Promise<Person> {
    const person = (await signUp(app())) as Person
    const link = linkIn(await mail.next(person.email), `${PUBLIC_URL}/verify-email/`)
    await call(app(), 'POST', '/v1/auth/email-verification/confirm', { body: { token: tokenOf(link) } })
    return person
  }

  async function invite(org: { id: string }, inviter: Person, email: string, roles?: string[]) {
    const { invitation, token } = await inviteByMail(app(), mail, org, inviter, email, roles)
    return { id: invitation.id as string, token }
  }

  it('answers 24 concurrent accepts, by token and by id, each with its membership, events and active organization', async () => {
    const owner = await verifiedPerson()
    const org = await createOrganization(app(), owner, 'Accepting Together')
    const invitees = await Promise.all(Array.from({ length: 24 }, () => verifiedPerson()))
    const invitations: { id: string; token: string }[] = []
    for (const invitee of invitees) invitations.push(await invite(org, owner, invitee.email, ['developer']))
    const before = (await groupedCalls(app(), 'invitation.accept')).together
    const answers = await Promise.all(
      invitees.map((invitee, n) =>
        call(
          app(),
          'POST',
          n % 2 === 0
            ? `/v1/invitations/${invitations[n]?.token}/accept`
            : `/v1/me/invitations/${invitations[n]?.id}/accept`,
          { token: invitee.token },
        ),
      ),
    )
    expect(answers.map((answer) => answer.status)).toEqual(invitees.map(() => 200))
    if (databaseName === 'postgres')
      expect((await groupedCalls(app(), 'invitation.accept')).together - before).toBeGreaterThan(0)
    for (const [n, invitee] of invitees.entries()) {
      const me = await call(app(), 'GET', '/v1/me', { token: invitee.token })
      expect(me.body.activeOrganizationId).toBe(org.id)
      expect(me.body.organizations.map((o: { id: string; roles: string[] }) => [o.id, o.roles])).toEqual([
        [org.id, ['developer']],
      ])
      expect(answers[n]?.body).toMatchObject({
        organization: { id: org.id },
        member: { userId: invitee.user.id },
      })
    }
    const members = await call(app(), 'GET', `/v1/organizations/${org.id}/members?limit=100`, {
      token: owner.token,
    })
    expect(members.body.items).toHaveLength(25)
    const types = await eventTypes(portico.database.db, org.id)
    expect(types.filter((type) => type === 'invitation.accepted')).toHaveLength(24)
    expect(types.filter((type) => type === 'member.added')).toHaveLength(25)
  })

  it('refuses each accept of a group for its own reason, and writes the others', async () => {
    const owner = await verifiedPerson()
    const org = await createOrganization(app(), owner, 'Mixed Answers')
    const admin = await verifiedPerson()
    const adminInvitation = await invite(org, owner, admin.email, ['admin'])
    expect(
      (await call(app(), 'POST', `/v1/invitations/${adminInvitation.token}/accept`, { token: admin.token }))
        .status,
    ).toBe(200)
    const fine = await Promise.all(Array.from({ length: 6 }, () => verifiedPerson()))
    const fineInvitations: { id: string; token: string }[] = []
    for (const person of fine) fineInvitations.push(await invite(org, owner, person.email))
    // invited by the admin, who is then demoted: their invitation lapses
    const lapsed = await verifiedPerson()
    const lapsedInvitation = await invite(org, admin, lapsed.email)
    expect(
      (
        await call(app(), 'PATCH', `/v1/organizations/${org.id}/members/${admin.user.id}`, {
          token: owner.token,
          body: { roles: ['member'] },
        })
      ).status,
    ).toBe(200)
    // invited, but accepting with another person's session
    const intended = await verifiedPerson()
    const intendedInvitation = await invite(org, owner, intended.email)
    const stranger = await verifiedPerson()
    // already answered
    const decliner = await verifiedPerson()
    const declinedInvitation = await invite(org, owner, decliner.email)
    expect(
      (
        await call(app(), 'POST', `/v1/invitations/${declinedInvitation.token}/decline`, {
          token: decliner.token,
        })
      ).status,
    ).toBe(204)
    const answers = await Promise.all([
      ...fine.map((person, n) =>
        call(app(), 'POST', `/v1/invitations/${fineInvitations[n]?.token}/accept`, { token: person.token }),
      ),
      call(app(), 'POST', `/v1/invitations/${lapsedInvitation.token}/accept`, { token: lapsed.token }),
      call(app(), 'POST', `/v1/invitations/${intendedInvitation.token}/accept`, { token: stranger.token }),
      call(app(), 'POST', `/v1/invitations/${declinedInvitation.token}/accept`, { token: decliner.token }),
      call(app(), 'POST', '/v1/invitations/not-a-token/accept', { token: stranger.token }),
    ])
    expect(answers.map((answer) => [answer.status, answer.body?.code ?? null])).toEqual([
      ...fine.map(() => [200, null]),
      [410, 'invitation_not_pending'],
      [403, 'invitation_email_mismatch'],
      [410, 'invitation_not_pending'],
      [404, 'not_found'],
    ])
    const members = await call(app(), 'GET', `/v1/organizations/${org.id}/members?limit=100`, {
      token: owner.token,
    })
    expect(members.body.items.map((m: { userId: string }) => m.userId).sort()).toEqual(
      [owner, admin, ...fine].map((person) => person.user.id).sort(),
    )
    // the refused invitations are as they were
    const intendedPreview = await call(app(), 'GET', `/v1/invitations/${intendedInvitation.token}`)
    expect(intendedPreview.body.status).toBe('pending')
  })

  it('makes one membership when one invitation is accepted 12 times at once, by token and by id', async () => {
    const owner = await verifiedPerson()
    const org = await createOrganization(app(), owner, 'Accepted Once')
    const invitee = await verifiedPerson()
    const { id, token } = await invite(org, owner, invitee.email)
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, n) =>
        call(
          app(),
          'POST',
          n % 2 === 0 ? `/v1/invitations/${token}/accept` : `/v1/me/invitations/${id}/accept`,
          { token: invitee.token },
        ),
      ),
    )
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1)
    // the rest see it answered (by token: no longer pending; by id: no pending invitation of that id)
    for (const answer of answers.filter((a) => a.status !== 200)) {
      expect([answer.status, answer.body.code]).toSatisfy(
        ([status, code]: [number, string]) =>
          (status === 410 && code === 'invitation_not_pending') || (status === 404 && code === 'not_found'),
      )
    }
    const types = await eventTypes(portico.database.db, org.id)
    expect(types.filter((type) => type === 'invitation.accepted')).toHaveLength(1)
  })
})
