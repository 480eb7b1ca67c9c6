// Table-driven tests of who may assign which roles, which roles go together, who may remove whom,
// and the last-owner rule, plus property tests of random role sets and sequences of changes.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  accessLevels,
  canAssignRoles,
  canRemoveMember,
  checkRoleCombination,
  type MemberRoles,
  mustKeepAnOwner,
} from '../../src/domain/membership-policy.ts'
import { type Permission, permissionsOf, type RoleName, roleNames } from '../../src/domain/permissions.ts'

const member = (userId: string, ...roles: RoleName[]): MemberRoles => ({ userId, roles })

describe('canAssignRoles', () => {
  const cases: {
    name: string
    actor: MemberRoles
    target: MemberRoles | undefined
    roles: RoleName[]
    expected: { ok: true } | { code: string; permission: Permission }
  }[] = [
    {
      name: 'an owner makes another owner',
      actor: member('a', 'owner'),
      target: member('b', 'member'),
      roles: ['owner'],
      expected: { ok: true },
    },
    {
      name: 'an owner demotes an owner',
      actor: member('a', 'owner'),
      target: member('b', 'owner'),
      roles: ['admin'],
      expected: { ok: true },
    },
    {
      name: 'an admin makes a publisher',
      actor: member('a', 'admin'),
      target: member('b', 'member'),
      roles: ['api-publisher'],
      expected: { ok: true },
    },
    {
      name: 'an admin gives several roles',
      actor: member('a', 'admin'),
      target: member('b', 'member'),
      roles: ['developer', 'billing-admin'],
      expected: { ok: true },
    },
    {
      name: 'an admin makes an admin',
      actor: member('a', 'admin'),
      target: member('b', 'member'),
      roles: ['admin'],
      expected: { ok: true },
    },
    {
      name: 'an admin cannot grant owner',
      actor: member('a', 'admin'),
      target: member('b', 'member'),
      roles: ['owner'],
      expected: { code: 'forbidden', permission: 'organization:delete' },
    },
    {
      name: 'an admin cannot demote an owner',
      actor: member('a', 'admin'),
      target: member('b', 'owner'),
      roles: ['member'],
      expected: { code: 'forbidden', permission: 'organization:delete' },
    },
    {
      name: "an admin cannot add roles to an owner's",
      actor: member('a', 'admin'),
      target: member('b', 'owner'),
      roles: ['owner', 'developer'],
      expected: { code: 'forbidden', permission: 'organization:delete' },
    },
    {
      name: 'an admin cannot make themself owner',
      actor: member('a', 'admin'),
      target: member('a', 'admin'),
      roles: ['owner'],
      expected: { code: 'forbidden', permission: 'organization:delete' },
    },
    {
      name: 'a publisher cannot grant member (role:read they lack)',
      actor: member('a', 'api-publisher'),
      target: member('b', 'developer'),
      roles: ['member'],
      expected: { code: 'forbidden', permission: 'role:read' },
    },
    {
      name: 'a billing admin cannot grant admin',
      actor: member('a', 'billing-admin'),
      target: undefined,
      roles: ['admin'],
      expected: { code: 'forbidden', permission: 'organization:update' },
    },
    {
      name: 'an environment manager may offer environment-manager to a newcomer',
      actor: member('a', 'environment-manager'),
      target: undefined,
      roles: ['environment-manager'],
      expected: { ok: true },
    },
    {
      name: 'a developer cannot take away billing-admin they do not hold',
      actor: member('a', 'developer'),
      target: member('b', 'billing-admin', 'developer'),
      roles: ['developer'],
      expected: { code: 'forbidden', permission: 'billing:read' },
    },
  ]

  it.each(cases)('$name', ({ actor, target, roles, expected }) => {
    const decision = canAssignRoles(actor, target, roles)
    if ('ok' in expected) expect(decision).toEqual({ ok: true })
    else
      expect(decision).toMatchObject({
        ok: false,
        code: expected.code,
        details: { permission: expected.permission },
      })
  })
})

describe('canRemoveMember', () => {
  it.each([
    ['an owner removes an owner', member('a', 'owner'), member('b', 'owner'), true],
    ['an admin removes a member', member('a', 'admin'), member('b', 'member'), true],
    ['an admin cannot remove an owner', member('a', 'admin'), member('b', 'owner'), false],
    ['a member cannot remove a member', member('a', 'member'), member('b', 'member'), false],
    ['a member may leave', member('a', 'member'), member('a', 'member'), true],
    ['an owner may leave (the last-owner rule aside)', member('a', 'owner'), member('a', 'owner'), true],
  ])('%s', (_, actor, target, ok) => {
    expect(canRemoveMember(actor, target).ok).toBe(ok)
  })

  it('names the missing permission', () => {
    expect(canRemoveMember(member('a', 'developer'), member('b', 'member'))).toMatchObject({
      ok: false,
      code: 'forbidden',
      details: { permission: 'member:remove' },
    })
  })
})

describe('mustKeepAnOwner', () => {
  it.each([
    ['demoting the last owner', 1, member('a', 'owner'), ['admin'] as RoleName[], false],
    ['removing the last owner', 1, member('a', 'owner'), null, false],
    ['demoting one of two owners', 2, member('a', 'owner'), ['admin'] as RoleName[], true],
    ['keeping owner among new roles', 1, member('a', 'owner'), ['owner', 'developer'] as RoleName[], true],
    ['removing a non-owner', 1, member('b', 'member'), null, true],
  ])('%s', (_, owners, target, roles, ok) => {
    const decision = mustKeepAnOwner(owners, target, roles)
    expect(decision.ok).toBe(ok)
    if (!ok) expect(decision).toMatchObject({ code: 'last_owner' })
  })
})

describe('random sequences of role changes, removals and leaves', () => {
  const people = ['p0', 'p1', 'p2', 'p3', 'p4']
  const operation = fc.oneof(
    fc.record({
      kind: fc.constant('change' as const),
      actor: fc.constantFrom(...people),
      target: fc.constantFrom(...people),
      roles: fc.uniqueArray(fc.constantFrom(...roleNames), { minLength: 1, maxLength: 3 }),
    }),
    fc.record({
      kind: fc.constant('remove' as const),
      actor: fc.constantFrom(...people),
      target: fc.constantFrom(...people),
    }),
  )

  it('never leave an organization without an owner, nor give an actor a permission they lacked', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uniqueArray(fc.constantFrom(...roleNames), { minLength: 1, maxLength: 3 }), {
          minLength: people.length,
          maxLength: people.length,
        }),
        fc.array(operation, { maxLength: 40 }),
        (initialRoles, operations) => {
          // p0 starts as owner, so the organization starts with one.
          const members = new Map<string, RoleName[]>(
            people.map((person, i) => [person, i === 0 ? ['owner'] : (initialRoles[i] ?? ['member'])]),
          )
          for (const op of operations) {
            const actorRoles = members.get(op.actor)
            const target = members.get(op.target)
            if (!actorRoles || !target) continue
            const owners = [...members.values()].filter((roles) => roles.includes('owner')).length
            const actor = { userId: op.actor, roles: actorRoles }
            const targetMember = { userId: op.target, roles: target }
            if (op.kind === 'change') {
              if (!permissionsOf(actorRoles).has('member:update')) continue
              if (!canAssignRoles(actor, targetMember, op.roles).ok) continue
              if (!mustKeepAnOwner(owners, targetMember, op.roles).ok) continue
              // What the target gains, the actor held (or the actor is an owner).
              const gained = permissionsOf(op.roles)
                .list()
                .filter((p) => !permissionsOf(target).has(p))
              if (!actorRoles.includes('owner')) {
                for (const permission of gained) expect(permissionsOf(actorRoles).has(permission)).toBe(true)
              }
              members.set(op.target, op.roles)
            } else {
              if (!canRemoveMember(actor, targetMember).ok) continue
              if (!mustKeepAnOwner(owners, targetMember, null).ok) continue
              members.delete(op.target)
            }
            expect([...members.values()].some((roles) => roles.includes('owner'))).toBe(true)
          }
        },
      ),
      { numRuns: 500 },
    )
  })
})

describe('checkRoleCombination', () => {
  it.each([
    [['owner'], true],
    [['member'], true],
    [['admin', 'api-publisher'], true],
    [['member', 'api-publisher', 'developer'], true],
    [['api-subscriber', 'billing-admin'], true],
    [['external-api-subscriber'], true],
    [['owner', 'member'], false],
    [['owner', 'member', 'developer'], false],
    [['owner', 'admin'], true],
    [['admin', 'member', 'developer'], true],
    [['external-api-subscriber', 'member'], false],
    [['external-api-subscriber', 'api-subscriber'], false],
    [['owner', 'external-api-subscriber'], false],
  ] as [RoleName[], boolean][])('%j: accepted %s', (roles, ok) => {
    expect(checkRoleCombination(roles).ok).toBe(ok)
  })

  it('says which roles clash and why, on the roles field', () => {
    expect(checkRoleCombination(['owner', 'member'])).toEqual({
      ok: false,
      code: 'validation_failed',
      message:
        'roles must not combine Owner and Member: an owner holds every permission, a member reads only',
      details: {
        errors: [
          {
            in: 'body',
            path: '/roles',
            message:
              'must not combine Owner and Member: an owner holds every permission, a member reads only',
          },
        ],
      },
    })
    expect(checkRoleCombination(['external-api-subscriber', 'member', 'developer'])).toMatchObject({
      ok: false,
      code: 'validation_failed',
      message:
        'roles must not combine External API subscriber with Member and Developer: an external API subscriber sees only the developer portal',
    })
  })

  const roleSet = fc.uniqueArray(fc.constantFrom(...roleNames), { minLength: 1, maxLength: roleNames.length })

  it('accepts a set exactly when every pair in it is accepted', () => {
    fc.assert(
      fc.property(roleSet, (roles) => {
        const pairs = roles.flatMap((a, i) => roles.slice(i + 1).map((b) => [a, b]))
        expect(checkRoleCombination(roles).ok).toBe(pairs.every((pair) => checkRoleCombination(pair).ok))
      }),
    )
  })

  it('keeps accepting what is left when a role is taken away (unticking never makes a choice invalid)', () => {
    fc.assert(
      fc.property(roleSet, fc.nat(), (roles, index) => {
        fc.pre(checkRoleCombination(roles).ok && roles.length > 1)
        const fewer = roles.filter((_, i) => i !== index % roles.length)
        expect(checkRoleCombination(fewer).ok).toBe(true)
      }),
    )
  })

  it('accepts every role alone and every access level with any internal addition', () => {
    for (const role of roleNames) expect(checkRoleCombination([role]).ok).toBe(true)
    fc.assert(
      fc.property(
        fc.constantFrom(...accessLevels),
        fc.uniqueArray(
          fc.constantFrom(
            ...roleNames.filter(
              (role) =>
                !(accessLevels as readonly RoleName[]).includes(role) && role !== 'external-api-subscriber',
            ),
          ),
        ),
        (level, additions) => {
          expect(checkRoleCombination([level, ...additions]).ok).toBe(true)
        },
      ),
    )
  })
})
