// The role matrix of DESIGN.md, written out here independently of src/domain/permissions.ts:
// for each built-in role, each permission of the catalog, allowed or not.
import { describe, expect, it } from 'vitest'
import {
  allPermissions,
  builtInRoles,
  isPermission,
  isPortalOnly,
  isRoleName,
  type Permission,
  permissionsOf,
  type RoleName,
  roleNames,
} from '../../src/domain/permissions.ts'

const catalog: Permission[] = [
  'organization:read',
  'organization:update',
  'organization:delete',
  'member:read',
  'member:invite',
  'member:update',
  'member:remove',
  'role:read',
  'api:read',
  'api:create',
  'api:update',
  'api:publish',
  'api:delete',
  'environment:read',
  'environment:manage',
  'application:read',
  'application:create',
  'application:update',
  'application:delete',
  'subscription:read',
  'subscription:create',
  'subscription:delete',
  'credential:read',
  'credential:create',
  'credential:revoke',
  'component:read',
  'component:manage',
  'billing:read',
  'billing:manage',
  'audit:read',
  'webhook:read',
  'webhook:manage',
]

const portalCrud: Permission[] = [
  'application:read',
  'application:create',
  'application:update',
  'application:delete',
  'subscription:read',
  'subscription:create',
  'subscription:delete',
  'credential:read',
  'credential:create',
  'credential:revoke',
]

const expected: Record<RoleName, Permission[]> = {
  owner: catalog,
  admin: catalog.filter((p) => p !== 'organization:delete'),
  member: [
    'organization:read',
    'member:read',
    'role:read',
    'api:read',
    'environment:read',
    'application:read',
    'subscription:read',
    'credential:read',
  ],
  'api-publisher': [
    'organization:read',
    'member:read',
    'api:read',
    'api:create',
    'api:update',
    'api:publish',
    'api:delete',
    'environment:read',
  ],
  'api-subscriber': ['organization:read', 'api:read', 'environment:read', ...portalCrud],
  developer: [
    'organization:read',
    'member:read',
    'api:read',
    'environment:read',
    'component:read',
    'component:manage',
  ],
  'environment-manager': ['organization:read', 'environment:read', 'environment:manage'],
  'billing-admin': ['organization:read', 'billing:read', 'billing:manage'],
  'external-api-subscriber': ['organization:read', 'api:read', ...portalCrud],
}

describe('the permission catalog', () => {
  it('is exactly the catalog of DESIGN.md', () => {
    expect([...allPermissions].sort()).toEqual([...catalog].sort())
  })

  it('has the nine built-in roles', () => {
    expect(roleNames).toEqual(Object.keys(expected))
    expect(builtInRoles.map((role) => role.name)).toEqual(roleNames)
  })

  it('recognizes permissions and role names, and nothing else', () => {
    expect(isPermission('member:invite')).toBe(true)
    expect(isPermission('member:*')).toBe(false)
    expect(isPermission('members:read')).toBe(false)
    expect(isRoleName('api-publisher')).toBe(true)
    expect(isRoleName('superuser')).toBe(false)
    expect(isRoleName('toString')).toBe(false)
  })
})

describe.each(roleNames)('role %s', (role) => {
  const granted = permissionsOf([role])
  it.each(catalog)(`%s`, (permission) => {
    expect(granted.has(permission)).toBe(expected[role].includes(permission))
  })
  it('lists its permissions in catalog order', () => {
    expect(builtInRoles.find((r) => r.name === role)?.permissions).toEqual(
      catalog.filter((p) => expected[role].includes(p)),
    )
  })
})

describe('several roles', () => {
  it('grant the union of their permissions', () => {
    const union = permissionsOf(['billing-admin', 'environment-manager'])
    expect(union.list()).toEqual(
      catalog.filter((p) => [...expected['billing-admin'], ...expected['environment-manager']].includes(p)),
    )
  })

  it('grant nothing when there are none', () => {
    expect(permissionsOf([]).list()).toEqual([])
  })

  it('cover another set only when they hold all of it', () => {
    expect(permissionsOf(['admin']).covers(permissionsOf(['api-publisher']))).toBe(true)
    expect(permissionsOf(['admin']).covers(permissionsOf(['owner']))).toBe(false)
    expect(permissionsOf(['member']).covers(permissionsOf(['api-subscriber']))).toBe(false)
  })
})

describe('portal-only members', () => {
  it.each([
    [['external-api-subscriber'], true],
    [['external-api-subscriber', 'member'], false],
    [['api-subscriber'], false],
    [[], false],
  ] as [RoleName[], boolean][])('%j is portal-only: %s', (roles, portalOnly) => {
    expect(isPortalOnly(roles)).toBe(portalOnly)
  })
})
