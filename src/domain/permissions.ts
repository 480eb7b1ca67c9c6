// The permission catalog and the built-in roles, as data. A permission is `resource:action`;
// a misspelt one does not compile. A member's permissions are the union of their roles'.
//
// Internally a set of permissions is a bit set over as many 32-bit words as the catalog needs (no
// ceiling: the catalog grows), so "may these roles do P" is an OR per role and word and one AND:
// millions of checks a second. A single role's set is built once and shared.

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
  webhook: ['read', 'manage'],
} as const

type Catalog = typeof catalog
export type Resource = keyof Catalog
export type Permission = { [R in Resource]: `${R}:${Catalog[R][number]}` }[Resource]
type Grant = Permission | `${Resource}:*` | '*'

export const allPermissions: readonly Permission[] = (Object.keys(catalog) as Resource[]).flatMap(
  (resource) => catalog[resource].map((action) => `${resource}:${action}` as Permission),
)

/** How many 32-bit words a set of the whole catalog takes. */
const WORDS = Math.ceil(allPermissions.length / 32)

const indexOf = new Map<string, number>(allPermissions.map((permission, index) => [permission, index]))

export function isPermission(value: string): value is Permission {
  return indexOf.has(value)
}

function wordsOf(grants: readonly Grant[]): number[] {
  const words = new Array<number>(WORDS).fill(0)
  const add = (permission: string) => {
    const index = indexOf.get(permission)
    if (index !== undefined) words[index >>> 5] = (words[index >>> 5] ?? 0) | (1 << (index & 31))
  }
  for (const grant of grants) {
    if (grant === '*') allPermissions.forEach(add)
    else if (grant.endsWith(':*')) {
      const resource = grant.slice(0, -2) as Resource
      for (const action of catalog[resource]) add(`${resource}:${action}`)
    } else add(grant)
  }
  return words
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
      'webhook:*',
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

/** A set of permissions: what some roles grant together. Never changed once built. */
export class PermissionSet {
  /** Bit i of word i >>> 5 is allPermissions[i]. */
  readonly #words: readonly number[]
  #list: Permission[] | undefined
  constructor(words: readonly number[]) {
    this.#words = words
  }
  has(permission: Permission): boolean {
    const index = indexOf.get(permission)
    return index !== undefined && ((this.#words[index >>> 5] ?? 0) & (1 << (index & 31))) !== 0
  }
  /** Every permission of `other` is also in this set. */
  covers(other: PermissionSet): boolean {
    for (let i = 0; i < WORDS; i++) if (((other.#words[i] ?? 0) & ~(this.#words[i] ?? 0)) !== 0) return false
    return true
  }
  /** ORs this set into `words` (building a union). */
  addTo(words: number[]): void {
    for (let i = 0; i < WORDS; i++) words[i] = (words[i] ?? 0) | (this.#words[i] ?? 0)
  }
  /** Listed once per set (sets never change), frozen: answers repeat it on every request. */
  list(): Permission[] {
    this.#list ??= Object.freeze(allPermissions.filter((permission) => this.has(permission))) as Permission[]
    return this.#list
  }
}

const noPermissions = new PermissionSet(new Array<number>(WORDS).fill(0))

const roleSets = new Map<string, PermissionSet>(
  roleNames.map((name) => [name, new PermissionSet(wordsOf(roleDefinitions[name].grants))]),
)

export function permissionsOf(roles: readonly RoleName[]): PermissionSet {
  // Most members hold one role: its set is shared, nothing is allocated.
  if (roles.length === 1) return roleSets.get(roles[0] as RoleName) ?? noPermissions
  const words = new Array<number>(WORDS).fill(0)
  for (const role of roles) {
    const set = roleSets.get(role)
    if (set) set.addTo(words)
  }
  return new PermissionSet(words)
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
