// Properties of the real service under random use: sequences of role changes, removals and leaves
// by random actors, through the HTTP API, never leave an organization without an owner and never
// give anyone a permission their actor lacked. And concurrent demotions never leave zero owners.
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Permission, permissionsOf, type RoleName, roleNames } from '../../src/domain/permissions.ts'
import { databases } from '../helpers/databases.ts'
import { call, signUp } from '../helpers/http.ts'
import { addMember, createOrganization, type Person } from '../helpers/organizations.ts'
import { startTestPortico, type TestPortico } from '../helpers/test-portico.ts'

describe.each(databases)('membership properties on %s', (databaseName) => {
  let portico: TestPortico
  beforeAll(async () => {
    portico = await startTestPortico(databaseName, { env: { ORG_CREATION_LIMIT: '0' } })
  })
  afterAll(async () => {
    await portico?.close()
  })

  async function rolesInDatabase(organizationId: string): Promise<Map<string, RoleName[]>> {
    const rows = await portico.database.db
      .selectFrom('memberships')
      .select(['user_id', 'roles'])
      .where('organization_id', '=', organizationId)
      .execute()
    return new Map(rows.map((row) => [row.user_id, row.roles as RoleName[]]))
  }

  it('random role changes, removals and leaves keep an owner and never escalate', async () => {
    const operation = fc.record({
      kind: fc.constantFrom('change', 'change', 'remove'),
      actor: fc.nat(4),
      target: fc.nat(4),
      roles: fc.uniqueArray(fc.constantFrom(...roleNames), { minLength: 1, maxLength: 2 }),
    })
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(...roleNames), { minLength: 4, maxLength: 4 }),
        fc.array(operation, { minLength: 1, maxLength: 12 }),
        async (initialRoles, operations) => {
          const owner = (await signUp(portico.app)) as Person
          const org = await createOrganization(portico.app, owner, 'Property Org')
          const people: Person[] = [owner]
          for (const role of initialRoles) people.push(await addMember(portico, org.id, [role]))
          for (const op of operations) {
            const actor = people[op.actor] as Person
            const target = people[op.target] as Person
            const before = await rolesInDatabase(org.id)
            const answer =
              op.kind === 'change'
                ? await call(portico.app, 'PATCH', `/v1/organizations/${org.id}/members/${target.user.id}`, {
                    token: actor.token,
                    body: { roles: op.roles },
                  })
                : await call(portico.app, 'DELETE', `/v1/organizations/${org.id}/members/${target.user.id}`, {
                    token: actor.token,
                  })
            const after = await rolesInDatabase(org.id)
            expect([...after.values()].some((roles) => roles.includes('owner'))).toBe(true)
            if (answer.status >= 400) {
              expect(after).toEqual(before)
              continue
            }
            const actorRoles = before.get(actor.user.id) ?? []
            if (op.kind === 'change' && !actorRoles.includes('owner')) {
              const held = permissionsOf(actorRoles)
              const gained = permissionsOf(op.roles)
                .list()
                .filter((p: Permission) => !permissionsOf(before.get(target.user.id) ?? []).has(p))
              for (const permission of gained) expect(held.has(permission)).toBe(true)
              expect(op.roles).not.toContain('owner')
            }
          }
        },
      ),
      { numRuns: 15 },
    )
  })

  it('two owners demoting each other at once, 50 times, always leave at least one owner', async () => {
    for (let round = 0; round < 50; round++) {
      const first = (await signUp(portico.app)) as Person
      const org = await createOrganization(portico.app, first, `Race ${round}`)
      const second = await addMember(portico, org.id, ['owner'])
      const [a, b] = await Promise.all([
        call(portico.app, 'PATCH', `/v1/organizations/${org.id}/members/${second.user.id}`, {
          token: first.token,
          body: { roles: ['admin'] },
        }),
        call(portico.app, 'PATCH', `/v1/organizations/${org.id}/members/${first.user.id}`, {
          token: second.token,
          body: { roles: ['admin'] },
        }),
      ])
      const owners = [...(await rolesInDatabase(org.id)).values()].filter((roles) => roles.includes('owner'))
      expect(owners).toHaveLength(1)
      // Exactly one demotion wins; the other is refused, by the last-owner rule or because its actor
      // was demoted first (and may no longer touch an owner).
      expect([a.status, b.status].filter((status) => status === 200)).toHaveLength(1)
      expect([a.status, b.status].filter((status) => status !== 200)[0]).toBeOneOf([403, 409])
    }
  })
})
