// Black-box tests of API.md "Members and roles" and of switching organizations, on PGlite and
// PostgreSQL: happy paths, errors, security (cross-organization ids, escalation, removal).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { roleNames } from '../../src/domain/permissions.ts'
import { chainQueuedEvents } from '../../src/services/events/audit-chain.ts'
import { databases } from '../helpers/databases.ts'
import { call, PASSWORD, signUp } from '../helpers/http.ts'
import { addMember, createOrganization, eventTypes } from '../helpers/organizations.ts'
import { startTestPortico, type TestPortico } from '../helpers/test-portico.ts'

describe.each(databases)('members and roles on %s', (databaseName) => {
  let portico: TestPortico
  beforeAll(async () => {
    portico = await startTestPortico(databaseName, { env: { ORG_CREATION_LIMIT: '0' } })
  })
  afterAll(async () => {
    await portico?.close()
  })
  const app = () => portico.app
  const db = () => portico.database.db
  const rolesOf = async (organizationId: string, userId: string) =>
    (
      await db()
        .selectFrom('memberships')
        .select('roles')
        .where('organization_id', '=', organizationId)
        .where('user_id', '=', userId)
        .executeTakeFirst()
    )?.roles

  describe('happy paths', () => {
    it('lists members with roles and join dates, in join order, paginated with a stable cursor', async () => {
      const owner = await signUp(app(), { name: 'Olga Owner' })
      const org = await createOrganization(app(), owner, 'Listed')
      const people = []
      for (let i = 0; i < 4; i++) {
        portico.clock.advance(1000)
        people.push(await addMember(portico, org.id, ['member'], `Person ${i}`))
      }
      const first = await call(app(), 'GET', `/v1/organizations/${org.id}/members?limit=2`, {
        token: owner.token,
      })
      expect(first.status).toBe(200)
      expect(first.body.items).toEqual([
        {
          userId: owner.user.id,
          email: owner.email,
          name: 'Olga Owner',
          roles: ['owner'],
          joinedAt: expect.any(String),
        },
        {
          userId: people[0]?.user.id,
          email: people[0]?.email,
          name: 'Person 0',
          roles: ['member'],
          joinedAt: expect.any(String),
        },
      ])
      // A member joining meanwhile does not disturb the pages already walked.
      portico.clock.advance(1000)
      await addMember(portico, org.id, ['developer'], 'Late Joiner')
      const second = await call(
        app(),
        'GET',
        `/v1/organizations/${org.id}/members?limit=2&cursor=${first.body.nextCursor}`,
        {
          token: owner.token,
        },
      )
      expect(second.body.items.map((m: { name: string }) => m.name)).toEqual(['Person 1', 'Person 2'])
      const third = await call(
        app(),
        'GET',
        `/v1/organizations/${org.id}/members?limit=2&cursor=${second.body.nextCursor}`,
        {
          token: owner.token,
        },
      )
      expect(third.body.items.map((m: { name: string }) => m.name)).toEqual(['Person 3', 'Late Joiner'])
      expect(third.body.nextCursor).toBeNull()
    })

    it('searches members by name and email, case-insensitively, treating % and _ literally', async () => {
      const owner = await signUp(app(), { name: 'Searcher' })
      const org = await createOrganization(app(), owner, 'Searchable')
      await addMember(portico, org.id, ['member'], 'Grace Hopper')
      await addMember(portico, org.id, ['member'], 'Alan Turing')
      await addMember(portico, org.id, ['member'], '100% Done')
      const byName = await call(app(), 'GET', `/v1/organizations/${org.id}/members?q=HOPPER`, {
        token: owner.token,
      })
      expect(byName.body.items.map((m: { name: string }) => m.name)).toEqual(['Grace Hopper'])
      const byEmail = await call(
        app(),
        'GET',
        `/v1/organizations/${org.id}/members?q=${encodeURIComponent(owner.email.slice(0, 12))}`,
        {
          token: owner.token,
        },
      )
      expect(byEmail.body.items.map((m: { name: string }) => m.name)).toContain('Searcher')
      const percent = await call(
        app(),
        'GET',
        `/v1/organizations/${org.id}/members?q=${encodeURIComponent('0%')}`,
        { token: owner.token },
      )
      expect(percent.body.items.map((m: { name: string }) => m.name)).toEqual(['100% Done'])
      const underscore = await call(app(), 'GET', `/v1/organizations/${org.id}/members?q=_`, {
        token: owner.token,
      })
      expect(underscore.body.items).toEqual([])
    })

    it('never matches a term across the end of a name and the start of an email', async () => {
      const owner = await signUp(app(), { name: 'Searcher' })
      const org = await createOrganization(app(), owner, 'Boundaries')
      const grace = await addMember(portico, org.id, ['member'], 'Grace Hopper')
      const search = async (q: string) =>
        (
          await call(app(), 'GET', `/v1/organizations/${org.id}/members?q=${encodeURIComponent(q)}`, {
            token: owner.token,
          })
        ).body.items.map((m: { name: string }) => m.name)
      const emailStart = grace.email
      expect(await search(emailStart)).toEqual(['Grace Hopper'])
      for (const separator of [' ', '', '\x1f', '\n']) {
        expect(await search(`hopper${separator}${emailStart}`)).toEqual([])
      }
    })

    it('changes a member’s roles to several roles; the very next request sees them; audited', async () => {
      const owner = await signUp(app())
      const org = await createOrganization(app(), owner, 'Promotions')
      const dev = await addMember(portico, org.id, ['member'])
      expect(
        (
          await call(app(), 'POST', `/v1/organizations/${org.id}/permissions/check`, {
            token: dev.token,
            body: { permissions: ['api:publish'] },
          })
        ).body,
      ).toEqual({ allowed: { 'api:publish': false } })
      const answer = await call(app(), 'PATCH', `/v1/organizations/${org.id}/members/${dev.user.id}`, {
        token: owner.token,
        body: { roles: ['api-publisher', 'developer'] },
      })
      expect(answer.status).toBe(200)
      expect(answer.body).toEqual({
        userId: dev.user.id,
        email: dev.email,
        name: 'Member',
        roles: ['api-publisher', 'developer'],
        joinedAt: expect.any(String),
      })
      expect(
        (
          await call(app(), 'POST', `/v1/organizations/${org.id}/permissions/check`, {
            token: dev.token,
            body: { permissions: ['api:publish'] },
          })
        ).body,
      ).toEqual({ allowed: { 'api:publish': true } })
      await chainQueuedEvents(db(), org.id, 'wait')
      const event = await db()
        .selectFrom('audit_events')
        .select(['data', 'target_type', 'target_id', 'actor_id'])
        .where('organization_id', '=', org.id)
        .where('type', '=', 'member.updated')
        .executeTakeFirstOrThrow()
      expect(event).toEqual({
        data: {
          userId: dev.user.id,
          name: 'Member',
          email: dev.email,
          before: { roles: ['member'] },
          after: { roles: ['api-publisher', 'developer'] },
        },
        target_type: 'member',
        target_id: dev.user.id,
        actor_id: owner.user.id,
      })
    })

    it('lets an owner make a second owner, after which the first may step down', async () => {
      const owner = await signUp(app())
      const org = await createOrganization(app(), owner, 'Succession')
      const heir = await addMember(portico, org.id, ['admin'])
      expect(
        (
          await call(app(), 'PATCH', `/v1/organizations/${org.id}/members/${heir.user.id}`, {
            token: owner.token,
            body: { roles: ['owner'] },
          })
        ).status,
      ).toBe(200)
      const stepDown = await call(app(), 'PATCH', `/v1/organizations/${org.id}/members/${owner.user.id}`, {
        token: owner.token,
        body: { roles: ['admin'] },
      })
      expect(stepDown.status).toBe(200)
      expect(await rolesOf(org.id, owner.user.id)).toEqual(['admin'])
    })

    it('removes a member: they get 404 on their very next request, their active organization is cleared', async () => {
      const owner = await signUp(app())
      const org = await createOrganization(app(), owner, 'Removal')
      const member = await addMember(portico, org.id, ['api-subscriber'])
      expect(
        (
          await call(app(), 'PUT', '/v1/me/active-organization', {
            token: member.token,
            body: { organizationId: org.id },
          })
        ).status,
      ).toBe(200)
      expect((await call(app(), 'GET', `/v1/organizations/${org.id}`, { token: member.token })).status).toBe(
        200,
      )
      expect(
        (
          await call(app(), 'DELETE', `/v1/organizations/${org.id}/members/${member.user.id}`, {
            token: owner.token,
          })
        ).status,
      ).toBe(204)
      expect((await call(app(), 'GET', `/v1/organizations/${org.id}`, { token: member.token })).status).toBe(
        404,
      )
      const me = await call(app(), 'GET', '/v1/me', { token: member.token })
      expect(me.body.activeOrganizationId).toBeNull()
      expect(me.body.organizations).toEqual([])
      expect(await eventTypes(db(), org.id)).toEqual([
        'organization.created',
        'member.added',
        'member.removed',
      ])
    })

    it('lets a member leave by removing themself, with no permission needed', async () => {
      const owner = await signUp(app())
      const org = await createOrganization(app(), owner, 'Leavable')
      const member = await addMember(portico, org.id, ['member'])
      expect(
        (
          await call(app(), 'DELETE', `/v1/organizations/${org.id}/members/${member.user.id}`, {
            token: member.token,
          })
        ).status,
      ).toBe(204)
      expect(await rolesOf(org.id, member.user.id)).toBeUndefined()
      expect(await eventTypes(db(), org.id)).toEqual([
        'organization.created',
        'member.added',
        'member.removed',
      ])
    })

    it('lists the nine built-in roles with titles, descriptions and permissions', async () => {
      const owner = await signUp(app())
      const org = await createOrganization(app(), owner, 'Role Catalog')
      const answer = await call(app(), 'GET', `/v1/organizations/${org.id}/roles`, { token: owner.token })
      expect(answer.status).toBe(200)
      expect(answer.body.items.map((r: { name: string }) => r.name)).toEqual(roleNames)
      expect(answer.body.items.find((r: { name: string }) => r.name === 'environment-manager')).toEqual({
        name: 'environment-manager',
        title: 'Environment manager',
        description: 'Manages deployment environments.',
        permissions: ['organization:read', 'environment:read', 'environment:manage'],
      })
    })

    it('answers permission checks for the caller and, with member:read, for another user', async () => {
      const owner = await signUp(app())
      const org = await createOrganization(app(), owner, 'Checks')
      const billing = await addMember(portico, org.id, ['billing-admin'])
      const stranger = await signUp(app())
      const mine = await call(app(), 'POST', `/v1/organizations/${org.id}/permissions/check`, {
        token: billing.token,
        body: { permissions: ['billing:manage', 'component:read'] },
      })
      expect(mine.body).toEqual({ allowed: { 'billing:manage': true, 'component:read': false } })
      const theirs = await call(app(), 'POST', `/v1/organizations/${org.id}/permissions/check`, {
        token: owner.token,
        body: { userId: billing.user.id, permissions: ['billing:read', 'organization:delete'] },
      })
      expect(theirs.body).toEqual({ allowed: { 'billing:read': true, 'organization:delete': false } })
      const outsider = await call(app(), 'POST', `/v1/organizations/${org.id}/permissions/check`, {
        token: owner.token,
        body: { userId: stranger.user.id, permissions: ['organization:read'] },
      })
      expect(outsider.body).toEqual({ allowed: { 'organization:read': false } })
      // billing-admin lacks member:read, so may not ask about others.
      const nosy = await call(app(), 'POST', `/v1/organizations/${org.id}/permissions/check`, {
        token: billing.token,
        body: { userId: owner.user.id, permissions: ['organization:read'] },
      })
      expect(nosy.status).toBe(403)
      expect(nosy.body).toMatchObject({ code: 'forbidden', permission: 'member:read' })
    })
  })

  describe('switching organizations', () => {
    it('switches, remembers the choice for the next sign-in, and refuses an organization one is not in', async () => {
      const owner = await signUp(app())
      const first = await createOrganization(app(), owner, 'Switch One')
      const second = await createOrganization(app(), owner, 'Switch Two')
      expect((await call(app(), 'GET', '/v1/me', { token: owner.token })).body.activeOrganizationId).toBe(
        second.id,
      )
      const switched = await call(app(), 'PUT', '/v1/me/active-organization', {
        token: owner.token,
        body: { organizationId: first.id },
      })
      expect(switched.status).toBe(200)
      expect(switched.body).toEqual({ activeOrganizationId: first.id })
      expect((await call(app(), 'GET', '/v1/me', { token: owner.token })).body.activeOrganizationId).toBe(
        first.id,
      )

      const later = await call(app(), 'POST', '/v1/auth/sign-in', {
        body: { email: owner.email, password: PASSWORD },
      })
      expect(
        (await call(app(), 'GET', '/v1/me', { token: later.body.token })).body.activeOrganizationId,
      ).toBe(first.id)

      const outsider = await signUp(app())
      const theirs = await createOrganization(app(), outsider, 'Not Yours')
      const refused = await call(app(), 'PUT', '/v1/me/active-organization', {
        token: owner.token,
        body: { organizationId: theirs.id },
      })
      expect(refused.status).toBe(404)
      expect(refused.body.code).toBe('not_found')
      expect((await call(app(), 'GET', '/v1/me', { token: owner.token })).body.activeOrganizationId).toBe(
        first.id,
      )
      const missing = await call(app(), 'PUT', '/v1/me/active-organization', {
        token: owner.token,
        body: { organizationId: '00000000-0000-4000-8000-000000000000' },
      })
      expect(missing.status).toBe(404)
    })

    it('starts the next sign-in in no organization once the remembered one is deleted, or the user removed from it', async () => {
      const owner = await signUp(app())
      const kept = await createOrganization(app(), owner, 'Remembered Kept')
      const doomed = await createOrganization(app(), owner, 'Remembered Doomed')
      const signIn = async (email: string) => {
        const session = await call(app(), 'POST', '/v1/auth/sign-in', { body: { email, password: PASSWORD } })
        return (await call(app(), 'GET', '/v1/me', { token: session.body.token })).body.activeOrganizationId
      }
      expect(await signIn(owner.email)).toBe(doomed.id)
      expect(
        (await call(app(), 'DELETE', `/v1/organizations/${doomed.id}`, { token: owner.token })).status,
      ).toBe(204)
      expect(await signIn(owner.email)).toBe(null)

      const member = await addMember(portico, kept.id, ['member'], 'Remembering Member')
      const switched = await call(app(), 'PUT', '/v1/me/active-organization', {
        token: member.token,
        body: { organizationId: kept.id },
      })
      expect(switched.status).toBe(200)
      expect(await signIn(member.email)).toBe(kept.id)
      const removed = await call(app(), 'DELETE', `/v1/organizations/${kept.id}/members/${member.user.id}`, {
        token: owner.token,
      })
      expect(removed.status).toBe(204)
      expect(await signIn(member.email)).toBe(null)
    })
  })

  describe('errors', () => {
    it('refuses to demote, remove or let leave the last owner: 409 last_owner, unchanged', async () => {
      const owner = await signUp(app())
      const org = await createOrganization(app(), owner, 'One Owner')
      const demote = await call(app(), 'PATCH', `/v1/organizations/${org.id}/members/${owner.user.id}`, {
        token: owner.token,
        body: { roles: ['admin'] },
      })
      expect(demote.status).toBe(409)
      expect(demote.body.code).toBe('last_owner')
      const leave = await call(app(), 'DELETE', `/v1/organizations/${org.id}/members/${owner.user.id}`, {
        token: owner.token,
      })
      expect(leave.status).toBe(409)
      expect(leave.body.code).toBe('last_owner')
      expect(await rolesOf(org.id, owner.user.id)).toEqual(['owner'])
    })

    it.each([
      ['an unknown role', { roles: ['superuser'] }],
      ['no roles', { roles: [] }],
      ['a role twice', { roles: ['member', 'member'] }],
      ['roles as a string', { roles: 'admin' }],
      ['an extra field', { roles: ['member'], userId: '00000000-0000-4000-8000-000000000000' }],
      ['Owner and Member', { roles: ['owner', 'member'] }],
      ['an external API subscriber with an internal role', { roles: ['external-api-subscriber', 'member'] }],
    ])('refuses a role change with %s: 400, unchanged', async (_, body) => {
      const owner = await signUp(app())
      const org = await createOrganization(app(), owner, 'Bad Roles')
      const member = await addMember(portico, org.id, ['developer'])
      const answer = await call(app(), 'PATCH', `/v1/organizations/${org.id}/members/${member.user.id}`, {
        token: owner.token,
        body,
      })
      expect(answer.status).toBe(400)
      expect(answer.body.code).toBe('validation_failed')
      expect(await rolesOf(org.id, member.user.id)).toEqual(['developer'])
    })

    it('takes several roles that merely overlap: Administrator, Member and Developer', async () => {
      const owner = await signUp(app())
      const org = await createOrganization(app(), owner, 'Overlapping Roles')
      const member = await addMember(portico, org.id, ['developer'])
      const answer = await call(app(), 'PATCH', `/v1/organizations/${org.id}/members/${member.user.id}`, {
        token: owner.token,
        body: { roles: ['admin', 'member', 'developer'] },
      })
      expect(answer.status).toBe(200)
      expect(answer.body.roles).toEqual(['admin', 'member', 'developer'])
      expect(await rolesOf(org.id, member.user.id)).toEqual(['admin', 'member', 'developer'])
    })

    it('says which roles clash, and records no change, when a role change makes no sense', async () => {
      const owner = await signUp(app())
      const org = await createOrganization(app(), owner, 'Clashing Roles')
      const member = await addMember(portico, org.id, ['member'])
      const answer = await call(app(), 'PATCH', `/v1/organizations/${org.id}/members/${member.user.id}`, {
        token: owner.token,
        body: { roles: ['owner', 'member'] },
      })
      const message =
        'must not combine Owner and Member: an owner holds every permission, a member reads only'
      expect(answer.status).toBe(400)
      expect(answer.body).toMatchObject({
        code: 'validation_failed',
        detail: `roles ${message}`,
        errors: [{ in: 'body', path: '/roles', message }],
      })
      expect(await rolesOf(org.id, member.user.id)).toEqual(['member'])
      expect(await eventTypes(db(), org.id)).not.toContain('member.updated')
    })

    it('answers 404 for a user who is not a member, and 400 for a malformed user id', async () => {
      const owner = await signUp(app())
      const org = await createOrganization(app(), owner, 'Unknown Member')
      const stranger = await signUp(app())
      expect(
        (
          await call(app(), 'PATCH', `/v1/organizations/${org.id}/members/${stranger.user.id}`, {
            token: owner.token,
            body: { roles: ['member'] },
          })
        ).status,
      ).toBe(404)
      expect(
        (
          await call(app(), 'DELETE', `/v1/organizations/${org.id}/members/${stranger.user.id}`, {
            token: owner.token,
          })
        ).status,
      ).toBe(404)
      const malformed = await call(app(), 'DELETE', `/v1/organizations/${org.id}/members/not-a-uuid`, {
        token: owner.token,
      })
      expect(malformed.status).toBe(400)
      expect(malformed.body.code).toBe('validation_failed')
    })

    it('refuses a cursor it never gave out, and a page size outside 1..100', async () => {
      const owner = await signUp(app())
      const org = await createOrganization(app(), owner, 'Cursors')
      for (const query of ['cursor=garbage', 'limit=0', 'limit=101', 'limit=ten']) {
        const answer = await call(app(), 'GET', `/v1/organizations/${org.id}/members?${query}`, {
          token: owner.token,
        })
        expect(answer.status).toBe(400)
        expect(answer.body.code).toBe('validation_failed')
      }
    })

    it('refuses an unknown permission in a check', async () => {
      const owner = await signUp(app())
      const org = await createOrganization(app(), owner, 'Unknown Permission')
      const answer = await call(app(), 'POST', `/v1/organizations/${org.id}/permissions/check`, {
        token: owner.token,
        body: { permissions: ['root:everything'] },
      })
      expect(answer.status).toBe(400)
    })
  })

  describe('security', () => {
    it('answers 404 when a member of organization B is addressed under A’s path, and leaves B unchanged', async () => {
      // guards: cross-organization role update and removal
      const ownerA = await signUp(app())
      const orgA = await createOrganization(app(), ownerA, 'Tenant A')
      const ownerB = await signUp(app())
      const orgB = await createOrganization(app(), ownerB, 'Tenant B')
      const memberOfB = await addMember(portico, orgB.id, ['member'])
      const update = await call(app(), 'PATCH', `/v1/organizations/${orgA.id}/members/${memberOfB.user.id}`, {
        token: ownerA.token,
        body: { roles: ['admin'] },
      })
      expect(update.status).toBe(404)
      const remove = await call(app(), 'DELETE', `/v1/organizations/${orgA.id}/members/${ownerB.user.id}`, {
        token: ownerA.token,
      })
      expect(remove.status).toBe(404)
      expect(await rolesOf(orgB.id, memberOfB.user.id)).toEqual(['member'])
      expect(await rolesOf(orgB.id, ownerB.user.id)).toEqual(['owner'])
      const list = await call(app(), 'GET', `/v1/organizations/${orgB.id}/members`, { token: ownerA.token })
      expect(list.status).toBe(404)
    })

    it('refuses escalation by role change: an admin cannot grant owner nor touch an owner; a member cannot change roles', async () => {
      const owner = await signUp(app())
      const org = await createOrganization(app(), owner, 'No Escalation')
      const admin = await addMember(portico, org.id, ['admin'])
      const member = await addMember(portico, org.id, ['member'])
      const selfPromotion = await call(
        app(),
        'PATCH',
        `/v1/organizations/${org.id}/members/${admin.user.id}`,
        {
          token: admin.token,
          body: { roles: ['owner'] },
        },
      )
      expect(selfPromotion.status).toBe(403)
      expect(selfPromotion.body).toMatchObject({ code: 'forbidden', permission: 'organization:delete' })
      const demoteOwner = await call(app(), 'PATCH', `/v1/organizations/${org.id}/members/${owner.user.id}`, {
        token: admin.token,
        body: { roles: ['member'] },
      })
      expect(demoteOwner.status).toBe(403)
      const removeOwner = await call(
        app(),
        'DELETE',
        `/v1/organizations/${org.id}/members/${owner.user.id}`,
        { token: admin.token },
      )
      expect(removeOwner.status).toBe(403)
      const memberPromotes = await call(
        app(),
        'PATCH',
        `/v1/organizations/${org.id}/members/${member.user.id}`,
        {
          token: member.token,
          body: { roles: ['admin'] },
        },
      )
      expect(memberPromotes.status).toBe(403)
      expect(memberPromotes.body).toMatchObject({ code: 'forbidden', permission: 'member:update' })
      const memberRemoves = await call(
        app(),
        'DELETE',
        `/v1/organizations/${org.id}/members/${admin.user.id}`,
        { token: member.token },
      )
      expect(memberRemoves.body).toMatchObject({ code: 'forbidden', permission: 'member:remove' })
      expect(await rolesOf(org.id, admin.user.id)).toEqual(['admin'])
      expect(await rolesOf(org.id, owner.user.id)).toEqual(['owner'])
      expect(await rolesOf(org.id, member.user.id)).toEqual(['member'])
    })

    it('lets an admin manage non-owner roles, including making another admin', async () => {
      const owner = await signUp(app())
      const org = await createOrganization(app(), owner, 'Admin Powers')
      const admin = await addMember(portico, org.id, ['admin'])
      const member = await addMember(portico, org.id, ['member'])
      expect(
        (
          await call(app(), 'PATCH', `/v1/organizations/${org.id}/members/${member.user.id}`, {
            token: admin.token,
            body: { roles: ['admin'] },
          })
        ).status,
      ).toBe(200)
      expect(
        (
          await call(app(), 'DELETE', `/v1/organizations/${org.id}/members/${member.user.id}`, {
            token: admin.token,
          })
        ).status,
      ).toBe(204)
    })

    it('sees a demotion on the very next request: a demoted admin can no longer change roles', async () => {
      const owner = await signUp(app())
      const org = await createOrganization(app(), owner, 'Fresh Rights')
      const admin = await addMember(portico, org.id, ['admin'])
      const member = await addMember(portico, org.id, ['member'])
      await call(app(), 'PATCH', `/v1/organizations/${org.id}/members/${admin.user.id}`, {
        token: owner.token,
        body: { roles: ['member'] },
      })
      const attempt = await call(app(), 'PATCH', `/v1/organizations/${org.id}/members/${member.user.id}`, {
        token: admin.token,
        body: { roles: ['developer'] },
      })
      expect(attempt.status).toBe(403)
      expect(await rolesOf(org.id, member.user.id)).toEqual(['member'])
    })

    it('keeps the member list from portal-only and non-reading roles', async () => {
      const owner = await signUp(app())
      const org = await createOrganization(app(), owner, 'Portal Only')
      for (const role of [
        'external-api-subscriber',
        'api-subscriber',
        'environment-manager',
        'billing-admin',
      ] as const) {
        const person = await addMember(portico, org.id, [role])
        const answer = await call(app(), 'GET', `/v1/organizations/${org.id}/members`, {
          token: person.token,
        })
        expect(answer.status).toBe(403)
        expect(answer.body.permission).toBe('member:read')
      }
    })

    it('resolves handles case-insensitively and paths with trailing or doubled slashes the same way, with the same checks', async () => {
      const owner = await signUp(app())
      await createOrganization(app(), owner, 'Path Variants', 'path-variants')
      const stranger = await signUp(app())
      for (const path of [
        '/v1/organizations/PATH-VARIANTS/members',
        '/v1/organizations/path-variants/members/',
        '//v1/organizations/path-variants//members',
      ]) {
        expect((await call(app(), 'GET', path, { token: owner.token })).status).toBe(200)
        expect((await call(app(), 'GET', path, { token: stranger.token })).status).toBe(404)
      }
    })
  })
})
