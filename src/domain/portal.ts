// Developer-portal resources: APIs and their status, environments, applications.
import { allowed, type Decision, refused } from './errors.ts'
import { isPortalOnly, type RoleName } from './permissions.ts'

export type ApiStatus = 'draft' | 'published' | 'deprecated'

export interface Api {
  id: string
  organizationId: string
  name: string
  version: string
  basePath: string
  description: string
  status: ApiStatus
  createdAt: Date
  createdBy: string | null
}

export interface Environment {
  id: string
  organizationId: string
  name: string
  createdAt: Date
}

export interface Application {
  id: string
  organizationId: string
  name: string
  description: string
  createdAt: Date
  createdBy: string | null
}

export interface Subscription {
  id: string
  applicationId: string
  apiId: string
  /** The name of one of the API's plans. */
  plan: string
  createdAt: Date
}

export interface ApiKey {
  id: string
  organizationId: string
  applicationId: string
  name: string
  environment: string
  prefix: string
  last4: string
  createdAt: Date
  createdBy: string | null
  lastUsedAt: Date | null
  expiresAt: Date | null
  revokedAt: Date | null
}

/** Environments every organization starts with. */
export const defaultEnvironments = ['development', 'production'] as const

// Environment names appear inside API keys, so they are short lowercase slugs.
export const ENVIRONMENT_NAME_PATTERN = '^[a-z][a-z0-9-]{0,31}$'

// An API's base path is what a gateway matches a request's path against, segment by segment, after
// removing dot-segments (API.md "Gateways"): so it is `/segment(/segment)*` of a-z 0-9 - _ . ~,
// without `.` or `..` segments (they would vanish from a request before matching), empty segments
// (`//`, a trailing `/`) or percent-encoded bytes (a request's path is matched decoded).
export const API_BASE_PATH_PATTERN = '^(?:/(?!\\.\\.?(?:/|$))[a-z0-9._~-]+)+$'
export const API_BASE_PATH_MAX_LENGTH = 200
const basePathRegex = new RegExp(API_BASE_PATH_PATTERN)

export function isValidBasePath(path: string): boolean {
  return path.length <= API_BASE_PATH_MAX_LENGTH && basePathRegex.test(path)
}

/** draft → published → deprecated, and deprecated → published again. */
export function checkApiTransition(from: ApiStatus, to: ApiStatus): Decision {
  const permitted: Record<ApiStatus, ApiStatus[]> = {
    draft: ['published'],
    published: ['deprecated'],
    deprecated: ['published'],
  }
  if (from === to || permitted[from].includes(to)) return allowed
  return refused('conflict', `an API that is ${from} cannot become ${to}`)
}

/** New subscriptions need a published API; deprecated ones keep their subscriptions but take no new ones. */
export function checkSubscribable(api: Pick<Api, 'status'>): Decision {
  if (api.status !== 'published')
    return refused('api_not_published', `this API is ${api.status}; only published APIs take subscriptions`)
  return allowed
}

/** An API with subscriptions is deleted only once deprecated. */
export function checkApiDeletable(api: Pick<Api, 'status'>, subscriptions: number): Decision {
  if (subscriptions > 0 && api.status !== 'deprecated') {
    return refused('conflict', 'this API has subscriptions: deprecate it before deleting it')
  }
  return allowed
}

interface MemberRoles {
  userId: string
  roles: readonly RoleName[]
}

/**
 * Whose applications a member works with: a portal-only member (an external API subscriber)
 * only with the applications they created — others' are not found, so they never learn of them
 * — and anyone else with all of the organization's.
 */
export function applicationScopeOf(member: MemberRoles): { createdBy?: string } {
  return isPortalOnly(member.roles) ? { createdBy: member.userId } : {}
}

/**
 * The environments a member may issue keys in, by name (undefined: any of the organization's). A
 * portal-only member holds no `environment:read`, so the organization never shows them its
 * environments; they work with the two every organization starts with, as a developer portal's
 * sandbox and production. Environments the organization added are its own affair.
 */
export function keyEnvironmentsOf(roles: readonly RoleName[]): readonly string[] | undefined {
  return isPortalOnly(roles) ? defaultEnvironments : undefined
}

/**
 * Who made a resource, as a member may see it: a portal-only member never learns who else in
 * the organization built what (null), only that they made their own.
 */
export function creatorAsSeenBy(viewer: MemberRoles, createdBy: string | null): string | null {
  return createdBy === viewer.userId || !isPortalOnly(viewer.roles) ? createdBy : null
}

/** Which live keys go when a membership ends (removal or leave). */
export interface KeysEndingWithMembership {
  /** Every key the member created, on any application. */
  createdByMember: boolean
  /** Every key of the applications the member created, whoever made it. */
  ofMembersApplications: boolean
}

/**
 * Keys belong to the organization's applications and outlive their maker, unless the remover
 * asks (`revokeKeys`) to revoke the keys the member created. A portal-only member's applications
 * are theirs alone (see applicationScopeOf): their keys always end with the membership.
 */
export function keysEndingWithMembership(member: MemberRoles, revokeKeys: boolean): KeysEndingWithMembership {
  return { createdByMember: revokeKeys, ofMembersApplications: isPortalOnly(member.roles) }
}
