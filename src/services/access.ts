// Who is calling, as every service sees it, and the one way a service demands a permission.
import { authorize, type OrganizationAccess } from '../domain/authorization.ts'
import { DomainError, enforce } from '../domain/errors.ts'
import type { Organization } from '../domain/organizations.ts'
import { type Permission, permissionsOf, type RoleName } from '../domain/permissions.ts'
import type { User } from '../domain/users.ts'
import { lockMembership } from '../store/memberships.repository.ts'
import { lockOrganization } from '../store/organizations.repository.ts'
import type { CachedSession } from './identity/session-cache.ts'
import type { Transaction } from './transaction.ts'

export interface ActorMembership {
  organization: Organization
  access: OrganizationAccess
}

/** The signed-in caller, resolved once per request. */
export interface Actor {
  user: User
  sessionId: string
  activeOrganizationId: string | null
  /** The organization the user's next sign-in starts in. */
  rememberedOrganizationId?: string | null
  /** The request that acts, recorded with audit events. */
  requestId: string | null
  /** The organization the request names, when the caller belongs to it. */
  membership?: ActorMembership
  /** The session cache's entry the caller was authenticated with, when it came from there or went there. */
  cached?: { tokenHash: string; session: CachedSession }
}

export function membershipOf(organization: Organization, roles: RoleName[], joinedAt: Date): ActorMembership {
  return {
    organization,
    access: { organizationId: organization.id, roles, permissions: permissionsOf(roles), joinedAt },
  }
}

/** The caller's membership in the named organization, if they hold `permission` there (else 404 or 403). */
export function requirePermission(actor: Actor, permission: Permission): ActorMembership {
  enforce(authorize(actor.membership?.access, permission))
  return requireMembership(actor)
}

/** The caller's membership in the named organization (any member): 404 for everyone else. */
export function requireMembership(actor: Actor): ActorMembership {
  if (!actor.membership) throw new DomainError('not_found', 'no such organization')
  return actor.membership
}

/**
 * Locks the organization's row for the rest of the transaction (changes to its members, owners,
 * invitations and settings serialize on it); 404 if it was deleted meanwhile.
 */
export async function lockNamedOrganization(tx: Transaction, organizationId: string): Promise<Organization> {
  const organization = await lockOrganization(tx.db, organizationId)
  if (!organization) throw new DomainError('not_found', 'no such organization')
  return organization
}

/**
 * Holds the actor's membership for the rest of the transaction (a share lock on its row), for
 * what must not outlive it: a removal committing meanwhile either waits for this transaction
 * (and then sees what it wrote) or is seen by it (404, as for any non-member).
 */
export async function holdActorMembership(tx: Transaction, actor: Actor): Promise<void> {
  const { organization } = requireMembership(actor)
  if (!(await lockMembership(tx.db, organization.id, actor.user.id))) {
    throw new DomainError('not_found', 'no such organization')
  }
}
