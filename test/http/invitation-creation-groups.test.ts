// Concurrent invitations are written together (group commit, services/call-groups.ts), on PGlite
// and PostgreSQL: each is answered as if made alone, with its own mail and event; refusals are the
// call's own (a member's email, a pending invitation, the same email twice, the pending cap of its
// organization, not another's); an expired invitation to the same email gives way. PGlite has one
// connection, so fewer calls meet in a group there; that groups were written is checked on
// PostgreSQL.
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { groupedCalls } from '../helpers/call-groups.ts'
import { databases } from '../helpers/databases.ts'
import { call, signUp, uniqueEmail } from '../helpers/http.ts'
import { linkIn, type MailCatcher, startMailCatcher } from '../helpers/mail-catcher.ts'
import { createOrganization, eventTypes, type Person } from '../helpers/organizations.ts'
import { PUBLIC_URL, startTestPortico, type TestPortico } from '../helpers/test-portico.ts'

describe.each(databases)('concurrent invitations on %s', (databaseName) => {
  let portico: TestPortico
  let mail: MailCatcher
  beforeAll(async () => {
    mail = await startMailCatcher()
    portico = await startTestPortico(databaseName, {
      mail,
      env: { ORG_CREATION_LIMIT: '0', RATE_LIMIT: 'off', PENDING_INVITATION_LIMIT: '12' },
    })
  })
  afterAll(async () => {
    await portico?.close()
    await mail?.close()
  })
  const app = () => portico.app
  const db = () => portico.database.db

  async function organizationWithOwner(name: string) {
    const owner = (await signUp(app(), { name: 'Olivia Owner' })) as Person
    await mail.next(owner.email)
    return { owner, org: await createOrganization(app(), owner, name) }
  }

  const inviting = (org: { id: string }, inviter: Person, email: string) =>
    call(app(), 'POST', `/v1/organizations/${org.id}/invitations`, {
      token: inviter.token,
      body: { email, roles: ['developer'] },
    })

  const pendingIn = async (organizationId: string) =>
    Number(
      (
        await sql<{ n: string }>`select count(*) as n from invitations
          where organization_id = ${organizationId} and status = 'pending'`.execute(db())
      ).rows[0]?.n,
    )

  it('makes 10 concurrent invitations, each with its mail, working link and event', async () => {
    const { owner, org } = await organizationWithOwner('Inviting Together')
    const emails = Array.from({ length: 10 }, () => uniqueEmail('together'))
    const before = (await groupedCalls(app(), 'invitation.create')).together
    const answers = await Promise.all(emails.map((email) => inviting(org, owner, email)))
    expect(answers.map((answer) => answer.status)).toEqual(emails.map(() => 201))
    if (databaseName === 'postgres')
      expect((await groupedCalls(app(), 'invitation.create')).together - before).toBeGreaterThan(0)
    for (const [n, email] of emails.entries()) {
      expect(answers[n]?.body).toMatchObject({ email, roles: ['developer'], status: 'pending' })
      const link = linkIn(await mail.next(email), `${PUBLIC_URL}/invitations/`)
      const preview = await call(app(), 'GET', `/v1/invitations/${link.slice(link.lastIndexOf('/') + 1)}`)
      expect([preview.status, preview.body.email, preview.body.status]).toEqual([200, email, 'pending'])
    }
    const types = await eventTypes(db(), org.id)
    expect(types.filter((type) => type === 'invitation.created')).toHaveLength(10)
  })

  it('refuses each invitation of a group for its own reason, and makes the others', async () => {
    const { owner, org } = await organizationWithOwner('Mixed Invitations')
    const member = (await signUp(app())) as Person
    await mail.next(member.email)
    const memberInvitation = await inviting(org, owner, member.email)
    const memberLink = linkIn(await mail.next(member.email), `${PUBLIC_URL}/invitations/`)
    expect(
      (
        await call(
          app(),
          'POST',
          `/v1/invitations/${memberLink.slice(memberLink.lastIndexOf('/') + 1)}/accept`,
          {
            token: member.token,
          },
        )
      ).status,
    ).toBe(200)
    expect(memberInvitation.status).toBe(201)
    const alreadyInvited = uniqueEmail('pending')
    expect((await inviting(org, owner, alreadyInvited)).status).toBe(201)
    const twice = uniqueEmail('twice')
    const fresh = Array.from({ length: 5 }, () => uniqueEmail('fresh'))
    const answers = await Promise.all([
      ...fresh.map((email) => inviting(org, owner, email)),
      inviting(org, owner, member.email),
      inviting(org, owner, alreadyInvited),
      inviting(org, owner, twice),
      inviting(org, owner, twice.toUpperCase()),
    ])
    const outcomes = answers.map((answer) => [answer.status, answer.body.code ?? null])
    expect(outcomes.slice(0, 7)).toEqual([
      ...fresh.map(() => [201, null]),
      [409, 'already_member'],
      [409, 'invitation_pending'],
    ])
    // the same email twice: one made, the other meets it
    expect(outcomes.slice(7).sort()).toEqual([
      [201, null],
      [409, 'invitation_pending'],
    ])
    expect(await pendingIn(org.id)).toBe(1 + 5 + 1)
  })

  it('holds each organization to PENDING_INVITATION_LIMIT in one group: exactly the places left are made', async () => {
    const full = await organizationWithOwner('Nearly Full')
    const roomy = await organizationWithOwner('Roomy')
    for (let n = 0; n < 9; n++)
      expect((await inviting(full.org, full.owner, uniqueEmail('early'))).status).toBe(201)
    const answers = await Promise.all([
      ...Array.from({ length: 8 }, () => inviting(full.org, full.owner, uniqueEmail('late'))),
      ...Array.from({ length: 4 }, () => inviting(roomy.org, roomy.owner, uniqueEmail('roomy'))),
    ])
    const late = answers.slice(0, 8)
    expect(late.filter((answer) => answer.status === 201)).toHaveLength(3)
    const refused = late.filter((answer) => answer.status !== 201)
    expect(refused.map((answer) => [answer.status, answer.body.code])).toEqual(
      refused.map(() => [409, 'conflict']),
    )
    expect(answers.slice(8).map((answer) => answer.status)).toEqual([201, 201, 201, 201])
    expect(await pendingIn(full.org.id)).toBe(12)
    expect(await pendingIn(roomy.org.id)).toBe(4)
  })

  it('lets an expired invitation give way to a new one made with others at once', async () => {
    const { owner, org } = await organizationWithOwner('Expired Gives Way')
    const returning = uniqueEmail('returning')
    const first = await inviting(org, owner, returning)
    expect(first.status).toBe(201)
    portico.clock.advance(8 * 24 * 3600 * 1000)
    const answers = await Promise.all([
      inviting(org, owner, returning),
      ...Array.from({ length: 4 }, () => inviting(org, owner, uniqueEmail('others'))),
    ])
    expect(answers.map((answer) => answer.status)).toEqual([201, 201, 201, 201, 201])
    const { rows } = await sql<{ id: string; status: string }>`
      select id, status from invitations where organization_id = ${org.id} and lower(email) = ${returning.toLowerCase()}
      order by created_at`.execute(db())
    expect(rows).toEqual([
      { id: first.body.id, status: 'expired' },
      { id: answers[0]?.body.id, status: 'pending' },
    ])
  })
})
