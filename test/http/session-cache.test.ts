// The session cache answers repeated requests from memory, yet every change to who may act shows on
// the very next request of the instance that made it, reaches an operator's direct SQL within a
// second, and reaches other instances on PostgreSQL within a second (the figures are printed).
// guards: stale authorization (a removed member, a demoted admin or a signed-out session still
// accepted from a cache).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashToken } from '../../src/domain/tokens.ts'
import type { Portico } from '../../src/portico.ts'
import { databases } from '../helpers/databases.ts'
import { type Answer, call, signUp } from '../helpers/http.ts'
import { addMember, createOrganization } from '../helpers/organizations.ts'
import { startTestPortico, type TestPortico } from '../helpers/test-portico.ts'
import { connections, startTwoInstances, type TwoInstances } from '../helpers/two-instances.ts'

/** Polls until `done` holds of the answer (at most 5 s); the time it took, in ms. */
async function within(ask: () => Promise<Answer>, done: (answer: Answer) => boolean): Promise<number> {
  const started = performance.now()
  let answer = await ask()
  while (!done(answer) && performance.now() - started < 5_000) {
    await new Promise((resolve) => setTimeout(resolve, 1))
    answer = await ask()
  }
  expect(done(answer)).toBe(true)
  return performance.now() - started
}

/** Marks the email verified with SQL, and waits until the instance sees it. */
async function verifyEmail(portico: Portico, person: { user: { id: string }; token: string }) {
  await portico.database.db
    .updateTable('users')
    .set({ email_verified_at: new Date() })
    .where('id', '=', person.user.id)
    .execute()
  await within(
    () => call(portico.app, 'GET', '/v1/me', { token: person.token }),
    (answer) => answer.body?.user?.emailVerified === true,
  )
}

describe.each(databases)('the session cache on %s', (databaseName) => {
  let portico: TestPortico
  beforeAll(async () => {
    portico = await startTestPortico(databaseName, { env: { ORG_CREATION_LIMIT: '0' } })
  })
  afterAll(async () => {
    await portico?.close()
  })
  const app = () => portico.app
  const read = (token: string, ref: string) => call(app(), 'GET', `/v1/organizations/${ref}`, { token })

  it('keeps the caller and their membership after the first authorized request', async () => {
    const owner = await signUp(app())
    const org = await createOrganization(app(), owner, 'Remembered')
    // Other announcements arrive by the reader a moment later (and drop what they name); the
    // creation's own were applied as it answered, and are not delivered again.
    await new Promise((resolve) => setTimeout(resolve, 400))
    const hash = hashToken(owner.token)
    const now = () => portico.clock.now().getTime()
    // kept through the creator's own creation, switched to the new organization
    expect(portico.sessionCache.session(hash, now())?.session.activeOrganizationId).toBe(org.id)
    const before = portico.sessionCache.size
    expect((await read(owner.token, org.id)).status).toBe(200)
    expect(portico.sessionCache.size).toBe(before + 1)
    expect((await read(owner.token, org.id)).status).toBe(200)
    expect(portico.sessionCache.size).toBe(before + 1)
  })

  it("reads a session again when another change to its user was announced before the caller's own write", async () => {
    const owner = await signUp(app())
    await createOrganization(app(), owner, 'First Of Two')
    const hash = hashToken(owner.token)
    const now = () => portico.clock.now().getTime()
    expect(portico.sessionCache.session(hash, now())).toBeDefined()
    // an operator's rename, read by the announcement reader, drops the entry; the next request loads it again
    await portico.database.db
      .updateTable('users')
      .set({ name: 'Renamed By SQL' })
      .where('id', '=', owner.user.id)
      .execute()
    await within(
      () => call(app(), 'GET', '/v1/me', { token: owner.token }),
      (answer) => answer.body?.user?.name === 'Renamed By SQL',
    )
    const second = await createOrganization(app(), owner, 'Second Of Two')
    const me = await call(app(), 'GET', '/v1/me', { token: owner.token })
    expect([me.body.user.name, me.body.activeOrganizationId]).toEqual(['Renamed By SQL', second.id])
  })

  it('refuses a removed member on their very next request', async () => {
    const owner = await signUp(app())
    const org = await createOrganization(app(), owner, 'Removal')
    const member = await addMember(portico, org.id, ['admin'])
    expect((await read(member.token, org.id)).status).toBe(200)
    expect((await read(member.token, org.handle)).status).toBe(200)
    const removed = await call(app(), 'DELETE', `/v1/organizations/${org.id}/members/${member.user.id}`, {
      token: owner.token,
    })
    expect(removed.status).toBe(204)
    expect((await read(member.token, org.id)).status).toBe(404)
    expect((await read(member.token, org.handle.toUpperCase())).status).toBe(404)
  })

  it('applies a demotion on the very next request', async () => {
    const owner = await signUp(app())
    const org = await createOrganization(app(), owner, 'Demotion')
    const admin = await addMember(portico, org.id, ['admin'])
    expect((await read(admin.token, org.id)).body.roles).toEqual(['admin'])
    await call(app(), 'PATCH', `/v1/organizations/${org.id}/members/${admin.user.id}`, {
      token: owner.token,
      body: { roles: ['member'] },
    })
    const after = await read(admin.token, org.id)
    expect(after.body.roles).toEqual(['member'])
    const invite = await call(app(), 'POST', `/v1/organizations/${org.id}/invitations`, {
      token: admin.token,
      body: { email: 'someone@example.com', roles: ['member'] },
    })
    expect(invite.status).toBe(403)
  })

  it('ends a signed-out session at once', async () => {
    const person = await signUp(app())
    const org = await createOrganization(app(), person, 'Signed Out')
    expect((await read(person.token, org.id)).status).toBe(200)
    expect((await call(app(), 'POST', '/v1/auth/sign-out', { token: person.token })).status).toBe(204)
    expect((await read(person.token, org.id)).status).toBe(401)
    expect((await call(app(), 'GET', '/v1/me', { token: person.token })).status).toBe(401)
  })

  it('shows a rename and a deletion to members on their next request', async () => {
    const owner = await signUp(app())
    const org = await createOrganization(app(), owner, 'Before')
    const member = await addMember(portico, org.id, ['member'])
    expect((await read(member.token, org.id)).body.name).toBe('Before')
    await call(app(), 'PATCH', `/v1/organizations/${org.id}`, { token: owner.token, body: { name: 'After' } })
    expect((await read(member.token, org.id)).body.name).toBe('After')
    await call(app(), 'DELETE', `/v1/organizations/${org.id}`, { token: owner.token })
    expect((await read(member.token, org.id)).status).toBe(404)
  })

  it('lets a new member in at once, though "not a member" was remembered', async () => {
    const owner = await signUp(app())
    const org = await createOrganization(app(), owner, 'Joining')
    const invitee = await signUp(app())
    await verifyEmail(portico, invitee)
    expect((await read(invitee.token, org.id)).status).toBe(404)
    const invitation = await call(app(), 'POST', `/v1/organizations/${org.id}/invitations`, {
      token: owner.token,
      body: { email: invitee.email, roles: ['developer'] },
    })
    const accepted = await call(app(), 'POST', `/v1/me/invitations/${invitation.body.id}/accept`, {
      token: invitee.token,
    })
    expect(accepted.status).toBe(200)
    expect((await read(invitee.token, org.id)).body.roles).toEqual(['developer'])
  })

  it('follows the clock: a cached session that has expired is refused', async () => {
    const person = await signUp(app())
    expect((await call(app(), 'GET', '/v1/me', { token: person.token })).status).toBe(200)
    portico.clock.advance(31 * 24 * 3600 * 1000)
    expect((await call(app(), 'GET', '/v1/me', { token: person.token })).status).toBe(401)
  })

  it("sees an operator's direct SQL change within a second (the database announces it)", async () => {
    const owner = await signUp(app())
    const org = await createOrganization(app(), owner, 'Operated')
    const member = await addMember(portico, org.id, ['admin'])
    expect((await read(member.token, org.id)).body.roles).toEqual(['admin'])
    await portico.database.db
      .updateTable('memberships')
      .set({ roles: ['developer'] })
      .where('user_id', '=', member.user.id)
      .execute()
    await within(
      () => read(member.token, org.id),
      (answer) => answer.body?.roles?.[0] === 'developer',
    )
    await portico.database.db.deleteFrom('sessions').where('user_id', '=', member.user.id).execute()
    const elapsed = await within(
      () => read(member.token, org.id),
      (answer) => answer.status === 401,
    )
    expect(elapsed).toBeLessThan(1_000)
  })
})

describe.runIf(databases.includes('postgres')).each(connections)(
  'the session cache across instances on PostgreSQL, connected %s',
  (connection) => {
    let instances: TwoInstances
    let a: Portico
    beforeAll(async () => {
      instances = await startTwoInstances({}, connection)
      a = instances.a
    })
    afterAll(async () => {
      await instances?.close()
    })

    it('stops answering a removed member and a signed-out session on the other instance within 1 s', async () => {
      const owner = await signUp(a.app)
      const org = await createOrganization(a.app, owner, 'Two Instances')
      const figures: number[] = []
      for (let round = 0; round < 5; round++) {
        const member = await signUp(a.app)
        await verifyEmail(a, member)
        const invitation = await call(a.app, 'POST', `/v1/organizations/${org.id}/invitations`, {
          token: owner.token,
          body: { email: member.email, roles: ['admin'] },
        })
        await call(a.app, 'POST', `/v1/me/invitations/${invitation.body.id}/accept`, { token: member.token })
        const readOnB = () =>
          call(instances.b.app, 'GET', `/v1/organizations/${org.id}`, { token: member.token })
        await within(readOnB, (answer) => answer.status === 200)
        expect((await readOnB()).status).toBe(200)
        await call(a.app, 'DELETE', `/v1/organizations/${org.id}/members/${member.user.id}`, {
          token: owner.token,
        })
        const removal = await within(readOnB, (answer) => answer.status === 404)
        await call(a.app, 'POST', '/v1/auth/sign-out', { token: member.token })
        const signOut = await within(readOnB, (answer) => answer.status === 401)
        figures.push(removal, signOut)
        expect(removal).toBeLessThan(1_000)
        expect(signOut).toBeLessThan(1_000)
      }
      console.log(
        `removal and sign-out seen by the other instance after ${figures.map((ms) => ms.toFixed(1)).join(', ')} ms`,
      )
    })
  },
)
