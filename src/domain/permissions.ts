// The permission catalog and the built-in roles, as data. A permission is `resource:action`;
// a misspelt one does not compile. A member's permissions are the union of their roles'.
//
// Internally a set of permissions is a bitmask (the catalog has fewer than 32 permissions), so
// "may these roles do P" is an OR per role and one AND: millions of checks a second.

export const catalog = {
  organization: ['read', 'update', 'delete'],
  member: ['read', 'invite', 'update', 'remove'],
  role: ['read'],
  api: ['read', 'create', 'update', 'publish', 'delete'],
  environment: ['read', 'manage'],
  application: ['read', 'create', 'update', 'delete'],
  subscription: ['read', 'create', 'delete'],
  credential: ['read', 'create', 'revoke'],
  component: ['read', 'manage'],
  billing: ['read', 'manage'],
  audit: ['read'],
} as const

type Catalog = typeof catalog
export type Resource = keyof Catalog
export type Permission = { [R in Resource]: `${R}:${Catalog[R][number]}` }[Resource]
type Grant = Permission | `${Resource}:*` | '*'

export const allPermissions: readonly Permission[] = (Object.keys(catalog) as Resource[]).flatMap(
  (resource) => catalog[resource].map((action) => `${resource}:${action}` as Permission),
)

if (allPermissions.length > 31) throw new Error('the permission catalog outgrew its 31-bit mask')

const bitOf = new Map<string, number>(allPermissions.map((permission, index) => [permission, 1 << index]))

export function isPermission(value: string): value is Permission {
  return bitOf.has(value)
}

function maskOf(grants: readonly Grant[]): number {
  let mask = 0
  for (const grant of grants) {
    if (grant === '*') return allPermissions.reduce((all, p) => all | (bitOf.get(p) ?? 0), 0)
    if (grant.endsWith(':*')) {
      const resource = grant.slice(0, -2) as Resource
      for (const action of catalog[resource]) mask |= bitOf.get(`${resource}:${action}`) ?? 0
    } else {
      mask |= bitOf.get(grant) ?? 0
    }
  }
  return mask
}

interface RoleDefinition {
  title: string
  description: string
  grants: readonly Grant[]
  /** Portal-only roles see published APIs only, never members or settings. */
  portalOnly?: boolean
}

const roleDefinitions = {
  owner: {
    title: 'Owner',
    description: 'Full access, including deleting the organization and managing other owners.',
    grants: ['*'],
  },
  admin: {
    title: 'Administrator',
    description:
      'Every administration task: members, roles, settings and all resources. Cannot delete the organization.',
    grants: [
      'organization:read',
      'organization:update',
      'member:*',
      'role:*',
      'api:*',
      'environment:*',
      'application:*',
      'subscription:*',
      'credential:*',
      'component:*',
      'billing:*',
      'audit:*',
    ],
  },
  member: {
    title: 'Member',
    description:
      'Read-only access: can view applications, subscriptions and credentials but not change them.',
    grants: [
      'organization:read',
      'member:read',
      'role:read',
      'api:read',
      'environment:read',
      'application:read',
      'subscription:read',
      'credential:read',
    ],
  },
  'api-publisher': {
    title: 'API publisher',
    description: 'Discovers, creates, publishes, deletes and manages APIs.',
    grants: [
      'organization:read',
      'member:read',
      'api:read',
      'api:create',
      'api:update',
      'api:publish',
      'api:delete',
      'environment:read',
    ],
  },
  'api-subscriber': {
    title: 'API subscriber',
    description:
      'A developer who manages applications, subscribes them to APIs, and generates and manages API keys.',
    grants: [
      'organization:read',
      'api:read',
      'environment:read',
      'application:*',
      'subscription:*',
      'credential:*',
    ],
  },
  developer: {
    title: 'Developer',
    description: 'Develops components: creates, builds, tests and manages any component type.',
    grants: [
      'organization:read',
      'member:read',
      'api:read',
      'environment:read',
      'component:read',
      'component:manage',
    ],
  },
  'environment-manager': {
    title: 'Environment manager',
    description: 'Manages deployment environments.',
    grants: ['organization:read', 'environment:read', 'environment:manage'],
  },
  'billing-admin': {
    title: 'Billing administrator',
    description: 'Billing administration: tiers, invoices, subscriptions and payment methods.',
    grants: ['organization:read', 'billing:read', 'billing:manage'],
  },
  'external-api-subscriber': {
    title: 'External API subscriber',
    description:
      'An API consumer with access to the developer portal only: published APIs, applications, subscriptions and keys.',
    grants: ['organization:read', 'api:read', 'application:*', 'subscription:*', 'credential:*'],
    portalOnly: true,
  },
} as const satisfies Record<string, RoleDefinition>

export type RoleName = keyof typeof roleDefinitions

export const roleNames = Object.keys(roleDefinitions) as RoleName[]

export function isRoleName(value: string): value is RoleName {
  return Object.hasOwn(roleDefinitions, value)
}

const roleMasks = new Map<string, number>(
  roleNames.map((name) => [name, maskOf(roleDefinitions[name].grants)]),
)

/** A set of permissions: what some roles grant together. */
export class PermissionSet {
  readonly mask: number
  #list: Permission[] | undefined
  constructor(mask: number) {
    this.mask = mask
  }
  has(permission: Permission): boolean {
    return (this.mask & (bitOf.get(permission) ?? 0)) !== 0
  }
  /** Every permission of `other` is also in this set. */
  covers(other: PermissionSet): boolean {
    return (other.mask & ~this.mask) === 0
  }
  /** Listed once per set (sets never change), frozen: answers repeat it on every request. */
  list(): Permission[] {
    this.#list ??= Object.freeze(allPermissions.filter((permission) => this.has(permission))) as Permission[]
    return this.#list
  }
}

export function permissionsOf(roles: readonly RoleName[]): PermissionSet {
  let mask = 0
  for (const role of roles) mask |= roleMasks.get(role) ?? 0
  return new PermissionSet(mask)
}

export interface Role {
  name: RoleName
  title: string
  description: string
  permissions: Permission[]
}

export const builtInRoles: readonly Role[] = roleNames.map((name) => ({
  name,
  title: roleDefinitions[name].title,
  description: roleDefinitions[name].description,
  permissions: permissionsOf([name]).list(),
}))

/** True when every one of the roles is portal-only (such a member sees only the portal). */
export function isPortalOnly(roles: readonly RoleName[]): boolean {
  return roles.length > 0 && roles.every((role) => 'portalOnly' in roleDefinitions[role])
}
