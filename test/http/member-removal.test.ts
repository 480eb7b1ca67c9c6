// Black-box tests of what a membership's end takes with it (API.md "Members and roles": removal
// impact, `revokeKeys`, an external API subscriber's applications), and of an external API
// subscriber seeing and acting on the applications they created only, on PGlite and PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RoleName } from '../../src/domain/permissions.ts'
import type { Portico } from '../../src/portico.ts'
import { databases } from '../helpers/databases.ts'
import { call, signUp } from '../helpers/http.ts'
import { addMember, createOrganization, eventTypes, type Person } from '../helpers/organizations.ts'
import { apiKey, application, must, publishedApi, subscribe } from '../helpers/portal.ts'
import { startTestPortico, type TestPortico } from '../helpers/test-portico.ts'
import { startTwoInstances, type TwoInstances } from '../helpers/two-instances.ts'

const GATEWAY = 'gateway-token'

const verify = async (portico: Portico, key: string) =>
  (await call(portico.app, 'POST', '/v1/keys/verify', { token: GATEWAY, body: { key } })).body

describe.each(databases)('what a membership’s end takes, on %s', (databaseName) => {
  let portico: TestPortico
  beforeAll(async () => {
    portico = await startTestPortico(databaseName, {
      env: { ORG_CREATION_LIMIT: '0', GATEWAY_TOKEN: GATEWAY },
    })
  })
  afterAll(async () => {
    await portico?.close()
  })
  const app = () => portico.app

  async function organizationWith(label: string, role: RoleName) {
    const owner = (await signUp(app(), { name: 'Olga Owner' })) as Person
    const org = await createOrganization(app(), owner, label)
    const person = await addMember(portico, org.id, [role], 'Parting Person')
    return { owner, org, person }
  }

  const keysOf = (orgId: string, applicationId: string, token: string) =>
    call(app(), 'GET', `/v1/organizations/${orgId}/applications/${applicationId}/keys`, { token })

  describe('removal impact', () => {
    it('lists the live keys the member created and the applications they created', async () => {
      const { owner, org, person } = await organizationWith('Impact', 'api-subscriber')
      const ownersApp = await application(app(), owner.token, org.id, 'Owners')
      const ownersKey = await apiKey(app(), owner.token, org.id, ownersApp.id)
      const theirApp = await application(app(), person.token, org.id, 'Theirs')
      portico.clock.advance(1000)
      const onOwnersApp = await apiKey(app(), person.token, org.id, ownersApp.id, 'development')
      portico.clock.advance(1000)
      const onTheirApp = await apiKey(app(), person.token, org.id, theirApp.id)
      const revoked = await apiKey(app(), person.token, org.id, theirApp.id)
      await must(
        call(app(), 'DELETE', `/v1/organizations/${org.id}/applications/${theirApp.id}/keys/${revoked.id}`, {
          token: person.token,
        }),
        204,
      )
      const expiring = await must(
        call(app(), 'POST', `/v1/organizations/${org.id}/applications/${theirApp.id}/keys`, {
          token: person.token,
          body: {
            environment: 'production',
            expiresAt: new Date(portico.clock.now().getTime() + 60_000).toISOString(),
          },
        }),
        201,
      )
      portico.clock.advance(120_000)

      const impact = await call(
        app(),
        'GET',
        `/v1/organizations/${org.id}/members/${person.user.id}/removal-impact`,
        {
          token: owner.token,
        },
      )
      expect(impact.status).toBe(200)
      const { secret: _a, ...keyOnTheirApp } = onTheirApp
      const { secret: _b, ...keyOnOwnersApp } = onOwnersApp
      expect(impact.body).toEqual({
        keys: [keyOnTheirApp, keyOnOwnersApp],
        applications: [{ id: theirApp.id, name: theirApp.name }],
      })
      expect(impact.body.keys.map((key: { id: string }) => key.id)).not.toContain(ownersKey.id)
      expect(impact.body.keys.map((key: { id: string }) => key.id)).not.toContain(expiring.id)
    })

    it('needs member:remove, and answers 404 for someone who is not a member', async () => {
      const { owner, org, person } = await organizationWith('Impact Rights', 'member')
      const url = `/v1/organizations/${org.id}/members/${owner.user.id}/removal-impact`
      const refused = await call(app(), 'GET', url, { token: person.token })
      expect(refused.status).toBe(403)
      expect(refused.body).toMatchObject({ code: 'forbidden', permission: 'member:remove' })
      const stranger = await signUp(app())
      const notMember = await call(
        app(),
        'GET',
        `/v1/organizations/${org.id}/members/${stranger.user.id}/removal-impact`,
        { token: owner.token },
      )
      expect(notMember.status).toBe(404)
      expect((await call(app(), 'GET', url, { token: stranger.token })).status).toBe(404)
    })
  })

  describe('keys at removal', () => {
    it('leaves the keys a member made working when removed without revokeKeys', async () => {
      const { owner, org, person } = await organizationWith('Keys Stay', 'api-subscriber')
      const theirApp = await application(app(), person.token, org.id)
      const key = await apiKey(app(), person.token, org.id, theirApp.id)
      await must(
        call(app(), 'DELETE', `/v1/organizations/${org.id}/members/${person.user.id}`, {
          token: owner.token,
        }),
        204,
      )
      expect((await verify(portico, key.secret)).valid).toBe(true)
    })

    it('revokes every live key the member created with revokeKeys=true, at once, and no one else’s', async () => {
      // guards: a departed member's keys outliving them when the remover asked to revoke them
      const { owner, org, person } = await organizationWith('Keys Go', 'api-subscriber')
      const ownersApp = await application(app(), owner.token, org.id)
      const ownersKey = await apiKey(app(), owner.token, org.id, ownersApp.id)
      const theirApp = await application(app(), person.token, org.id)
      const theirs = [
        await apiKey(app(), person.token, org.id, theirApp.id),
        await apiKey(app(), person.token, org.id, ownersApp.id),
      ]
      // Verified first, so the key cache holds them as valid.
      for (const key of [...theirs, ownersKey]) expect((await verify(portico, key.secret)).valid).toBe(true)
      await must(
        call(app(), 'DELETE', `/v1/organizations/${org.id}/members/${person.user.id}?revokeKeys=true`, {
          token: owner.token,
        }),
        204,
      )
      for (const key of theirs)
        expect(await verify(portico, key.secret)).toEqual({ valid: false, code: 'revoked' })
      expect((await verify(portico, ownersKey.secret)).valid).toBe(true)
      expect(
        (await keysOf(org.id, ownersApp.id, owner.token)).body.items.map((k: { id: string }) => k.id),
      ).toEqual([ownersKey.id])
      const actions = await eventTypes(portico.database.db, org.id)
      expect(actions.slice(-3)).toEqual(['member.removed', 'key.revoked', 'key.revoked'])
    })

    it('revokes the keys of a removed external API subscriber’s applications, without being asked', async () => {
      // guards: a removed external subscriber keeping production access
      const { owner, org, person } = await organizationWith('External Leaves', 'external-api-subscriber')
      const api = await publishedApi(app(), owner.token, org.id)
      const theirApp = await application(app(), person.token, org.id)
      await subscribe(app(), person.token, org.id, theirApp.id, api.id)
      const theirKey = await apiKey(app(), person.token, org.id, theirApp.id, 'production')
      // A key someone else made on their application goes too: the application is theirs.
      const ownersKeyOnTheirApp = await apiKey(app(), owner.token, org.id, theirApp.id)
      const ownersApp = await application(app(), owner.token, org.id)
      const ownersKey = await apiKey(app(), owner.token, org.id, ownersApp.id)
      for (const key of [theirKey, ownersKeyOnTheirApp, ownersKey]) {
        expect((await verify(portico, key.secret)).valid).toBe(true)
      }
      const impact = await call(
        app(),
        'GET',
        `/v1/organizations/${org.id}/members/${person.user.id}/removal-impact`,
        {
          token: owner.token,
        },
      )
      expect(impact.body.applications).toEqual([{ id: theirApp.id, name: theirApp.name }])
      expect(impact.body.keys.map((key: { id: string }) => key.id).sort()).toEqual(
        [theirKey.id, ownersKeyOnTheirApp.id].sort(),
      )

      await must(
        call(app(), 'DELETE', `/v1/organizations/${org.id}/members/${person.user.id}`, {
          token: owner.token,
        }),
        204,
      )
      expect(await verify(portico, theirKey.secret)).toEqual({ valid: false, code: 'revoked' })
      expect(await verify(portico, ownersKeyOnTheirApp.secret)).toEqual({ valid: false, code: 'revoked' })
      expect((await verify(portico, ownersKey.secret)).valid).toBe(true)
      // The application stays, the organization's to keep or delete.
      expect(
        (
          await call(app(), 'GET', `/v1/organizations/${org.id}/applications/${theirApp.id}`, {
            token: owner.token,
          })
        ).status,
      ).toBe(200)
    })

    it('revokes them too when the external API subscriber leaves', async () => {
      // guards: a departed external subscriber keeping production access by leaving instead of being removed
      const { org, person } = await organizationWith('External Quits', 'external-api-subscriber')
      const theirApp = await application(app(), person.token, org.id)
      const theirKey = await apiKey(app(), person.token, org.id, theirApp.id)
      expect((await verify(portico, theirKey.secret)).valid).toBe(true)
      await must(
        call(app(), 'DELETE', `/v1/organizations/${org.id}/members/${person.user.id}`, {
          token: person.token,
        }),
        204,
      )
      expect(await verify(portico, theirKey.secret)).toEqual({ valid: false, code: 'revoked' })
    })

    it.runIf(databaseName === 'postgres')(
      'issues no key to a member whose removal is committing meanwhile',
      async () => {
        // guards: a key created in a race with its maker's removal outliving the membership
        const { org, person } = await organizationWith('Racing Removal', 'external-api-subscriber')
        const theirApp = await application(app(), person.token, org.id)
        const url = `/v1/organizations/${org.id}/applications/${theirApp.id}/keys`
        let creating: ReturnType<typeof call> | undefined
        await portico.database.db.transaction().execute(async (trx) => {
          await trx
            .deleteFrom('memberships')
            .where('organization_id', '=', org.id)
            .where('user_id', '=', person.user.id)
            .execute()
          // The removal has not committed: the caller is still a member for everyone else.
          creating = call(app(), 'POST', url, { token: person.token, body: { environment: 'production' } })
          await new Promise((resolve) => setTimeout(resolve, 50))
        })
        const answer = await creating
        expect(answer?.status).toBe(404)
        const keys = await portico.database.db
          .selectFrom('api_keys')
          .select('id')
          .where('organization_id', '=', org.id)
          .execute()
        expect(keys).toEqual([])
      },
    )

    it('changes nothing when the removal is refused', async () => {
      const { owner, org, person } = await organizationWith('Refused Removal', 'external-api-subscriber')
      const theirApp = await application(app(), person.token, org.id)
      const theirKey = await apiKey(app(), person.token, org.id, theirApp.id)
      const bystander = await addMember(portico, org.id, ['member'])
      const refused = await call(
        app(),
        'DELETE',
        `/v1/organizations/${org.id}/members/${person.user.id}?revokeKeys=true`,
        {
          token: bystander.token,
        },
      )
      expect(refused.status).toBe(403)
      expect((await verify(portico, theirKey.secret)).valid).toBe(true)
      // The last owner cannot leave: their keys stay too.
      const ownersApp = await application(app(), owner.token, org.id)
      const ownersKey = await apiKey(app(), owner.token, org.id, ownersApp.id)
      const lastOwner = await call(
        app(),
        'DELETE',
        `/v1/organizations/${org.id}/members/${owner.user.id}?revokeKeys=true`,
        {
          token: owner.token,
        },
      )
      expect(lastOwner.status).toBe(409)
      expect((await verify(portico, ownersKey.secret)).valid).toBe(true)
    })
  })

  describe('an external API subscriber works with their own applications only', () => {
    it('lists, reads and acts on the applications they created; others’ are 404 and stay unchanged', async () => {
      // guards: an external subscriber reading or changing other developers' applications and keys
      const { owner, org, person } = await organizationWith('Own Apps', 'external-api-subscriber')
      const other = await addMember(portico, org.id, ['external-api-subscriber'], 'Other Developer')
      const api = await publishedApi(app(), owner.token, org.id)
      const mine = await application(app(), person.token, org.id, 'Mine')
      portico.clock.advance(1000)
      const ownersApp = await application(app(), owner.token, org.id, 'Owners')
      portico.clock.advance(1000)
      const othersApp = await application(app(), other.token, org.id, 'Others')
      const subscription = await subscribe(app(), owner.token, org.id, othersApp.id, api.id)
      const othersKey = await apiKey(app(), other.token, org.id, othersApp.id)

      const list = await call(app(), 'GET', `/v1/organizations/${org.id}/applications`, {
        token: person.token,
      })
      expect(list.body.items.map((a: { id: string }) => a.id)).toEqual([mine.id])
      expect(
        (
          await call(app(), 'GET', `/v1/organizations/${org.id}/applications`, { token: owner.token })
        ).body.items.map((a: { id: string }) => a.id),
      ).toEqual([mine.id, ownersApp.id, othersApp.id])

      const base = `/v1/organizations/${org.id}/applications`
      for (const foreign of [ownersApp, othersApp]) {
        const attempts = [
          call(app(), 'GET', `${base}/${foreign.id}`, { token: person.token }),
          call(app(), 'PATCH', `${base}/${foreign.id}`, {
            token: person.token,
            body: { name: 'Taken Over' },
          }),
          call(app(), 'GET', `${base}/${foreign.id}/subscriptions`, { token: person.token }),
          call(app(), 'POST', `${base}/${foreign.id}/subscriptions`, {
            token: person.token,
            body: { apiId: api.id },
          }),
          call(app(), 'DELETE', `${base}/${foreign.id}/subscriptions/${subscription.id}`, {
            token: person.token,
          }),
          call(app(), 'GET', `${base}/${foreign.id}/keys`, { token: person.token }),
          call(app(), 'POST', `${base}/${foreign.id}/keys`, {
            token: person.token,
            body: { environment: 'production' },
          }),
          call(app(), 'POST', `${base}/${foreign.id}/keys/${othersKey.id}/rotate`, { token: person.token }),
          call(app(), 'DELETE', `${base}/${foreign.id}/keys/${othersKey.id}`, { token: person.token }),
          call(app(), 'DELETE', `${base}/${foreign.id}`, { token: person.token }),
        ]
        for (const answer of await Promise.all(attempts)) {
          expect(answer.status).toBe(404)
          expect(answer.body.code).toBe('not_found')
        }
      }
      expect((await call(app(), 'GET', `${base}/${othersApp.id}`, { token: other.token })).body.name).toBe(
        othersApp.name,
      )
      expect(
        (await call(app(), 'GET', `${base}/${othersApp.id}/subscriptions`, { token: owner.token })).body
          .items,
      ).toHaveLength(1)
      expect(
        (await keysOf(org.id, othersApp.id, other.token)).body.items.map((k: { id: string }) => k.id),
      ).toEqual([othersKey.id])
      expect((await verify(portico, othersKey.secret)).valid).toBe(true)

      // Their own application: everything works.
      expect((await call(app(), 'GET', `${base}/${mine.id}`, { token: person.token })).status).toBe(200)
      expect(
        (
          await call(app(), 'PATCH', `${base}/${mine.id}`, {
            token: person.token,
            body: { name: 'Mine, Renamed' },
          })
        ).status,
      ).toBe(200)
      await subscribe(app(), person.token, org.id, mine.id, api.id)
      const myKey = await apiKey(app(), person.token, org.id, mine.id)
      expect((await keysOf(org.id, mine.id, person.token)).body.items).toHaveLength(1)
      expect(
        (await call(app(), 'POST', `${base}/${mine.id}/keys/${myKey.id}/rotate`, { token: person.token }))
          .status,
      ).toBe(201)
      expect((await call(app(), 'DELETE', `${base}/${mine.id}`, { token: person.token })).status).toBe(204)
    })

    it('never learns who else built what', async () => {
      // guards: an external subscriber learning the organization's people from createdBy
      const { owner, org, person } = await organizationWith('Who Built', 'external-api-subscriber')
      const api = await publishedApi(app(), owner.token, org.id)
      const mine = await application(app(), person.token, org.id)
      const ownersKey = await apiKey(app(), owner.token, org.id, mine.id)
      portico.clock.advance(1000)
      const myKey = await apiKey(app(), person.token, org.id, mine.id)
      const base = `/v1/organizations/${org.id}`
      const apis = await call(app(), 'GET', `${base}/apis`, { token: person.token })
      expect(apis.body.items.map((a: { createdBy: string | null }) => a.createdBy)).toEqual([null])
      expect(
        (await call(app(), 'GET', `${base}/apis/${api.id}`, { token: person.token })).body.createdBy,
      ).toBeNull()
      const keys = await keysOf(org.id, mine.id, person.token)
      expect(
        keys.body.items.map((k: { id: string; createdBy: string | null }) => [k.id, k.createdBy]),
      ).toEqual([
        [myKey.id, person.user.id],
        [ownersKey.id, null],
      ])
      expect(
        (await call(app(), 'GET', `${base}/applications/${mine.id}`, { token: person.token })).body.createdBy,
      ).toBe(person.user.id)
      // Everyone else still sees who made what.
      expect(
        (await call(app(), 'GET', `${base}/apis/${api.id}`, { token: owner.token })).body.createdBy,
      ).toBe(owner.user.id)
      expect(
        (await keysOf(org.id, mine.id, owner.token)).body.items.map(
          (k: { createdBy: string }) => k.createdBy,
        ),
      ).toEqual([person.user.id, owner.user.id])
    })
  })
})

describe.runIf(databases.includes('postgres'))('keys revoked by a membership’s end, across instances', () => {
  let instances: TwoInstances
  beforeAll(async () => {
    instances = await startTwoInstances({ GATEWAY_TOKEN: GATEWAY })
  })
  afterAll(async () => {
    await instances?.close()
  })

  it('stops verifying on the other instance within 1 s', async () => {
    // guards: a revoked key still accepted by an instance that had it cached
    const { a, b } = instances
    const owner = (await signUp(a.app)) as Person
    const org = await createOrganization(a.app, owner, 'Two Instances Removal')
    const external = (await signUp(a.app)) as Person
    await a.database.db
      .insertInto('memberships')
      .values({
        organization_id: org.id,
        user_id: external.user.id,
        roles: ['external-api-subscriber'],
        joined_at: new Date(),
      })
      .execute()
    const theirApp = await application(a.app, external.token, org.id)
    const key = await apiKey(a.app, external.token, org.id, theirApp.id)
    expect((await verify(b, key.secret)).valid).toBe(true)
    expect((await verify(b, key.secret)).valid).toBe(true)
    await must(
      call(a.app, 'DELETE', `/v1/organizations/${org.id}/members/${external.user.id}`, {
        token: owner.token,
      }),
      204,
    )
    const started = performance.now()
    let answer = await verify(b, key.secret)
    while (answer.valid && performance.now() - started < 5_000) {
      await new Promise((resolve) => setTimeout(resolve, 1))
      answer = await verify(b, key.secret)
    }
    const elapsed = performance.now() - started
    expect(answer).toEqual({ valid: false, code: 'revoked' })
    expect(elapsed).toBeLessThan(1_000)
    console.log(
      `a removed external subscriber's key refused by the other instance after ${elapsed.toFixed(1)} ms`,
    )
  })
})
