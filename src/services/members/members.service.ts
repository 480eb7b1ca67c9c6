// Members and roles: list and search, change roles, remove, leave (with the keys that end with
// the membership), what a removal would take, the role catalog, and the permission check other
// services ask. Role changes and removals lock the organization's row and
// re-read both sides' roles inside the transaction, so two concurrent demotions cannot leave an
// organization without an owner, and a just-demoted actor cannot act on stale rights.
import { authorize } from '../../domain/authorization.ts'
import { DomainError, enforce } from '../../domain/errors.ts'
import {
  canAssignRoles,
  canRemoveMember,
  checkRoleCombination,
  mustKeepAnOwner,
} from '../../domain/membership-policy.ts'
import type { Member } from '../../domain/organizations.ts'
import {
  builtInRoles,
  type Permission,
  permissionsOf,
  type Role,
  type RoleName,
} from '../../domain/permissions.ts'
import type { ApiKey } from '../../domain/portal.ts'
import { listApplicationNamesCreatedBy } from '../../store/applications.repository.ts'
import {
  countOwners,
  deleteMembership,
  findMember,
  findRoles,
  listMembers as listMemberRows,
  updateMemberRoles,
} from '../../store/memberships.repository.ts'
import { clearActiveOrganization } from '../../store/sessions.repository.ts'
import { type Actor, lockNamedOrganization, requireMembership, requirePermission } from '../access.ts'
import { keysEndingWith, revokeKeysAtMembershipEnd } from '../credentials/api-keys.service.ts'
import type { ServiceDependencies } from '../dependencies.ts'
import { recordEvent } from '../events/events.service.ts'
import { decodeDatedCursor, type Page, pageOf } from '../pagination.ts'
import { inTransaction, type Transaction } from '../transaction.ts'

export async function listMembers(
  deps: ServiceDependencies,
  actor: Actor,
  page: { limit: number; cursor?: string; query?: string },
): Promise<Page<Member>> {
  const { organization } = requirePermission(actor, 'member:read')
  const after = page.cursor ? decodeDatedCursor(page.cursor) : undefined
  const query = page.query?.trim()
  const rows = await listMemberRows(deps.db, organization.id, {
    limit: page.limit + 1,
    after: after && { joinedAt: after.at, userId: after.id },
    query: query === '' ? undefined : query,
  })
  return pageOf(rows, page.limit, (member) => [member.joinedAt.toISOString(), member.userId])
}

/** Locks the organization and reads the actor's current roles: what the decision must rest on. */
async function lockForMembershipChange(
  tx: Transaction,
  actor: Actor,
  organizationId: string,
): Promise<RoleName[]> {
  await lockNamedOrganization(tx, organizationId)
  const roles = await findRoles(tx.db, organizationId, actor.user.id)
  if (!roles) throw new DomainError('not_found', 'no such organization')
  return roles
}

async function findTarget(tx: Transaction, organizationId: string, userId: string): Promise<Member> {
  const member = await findMember(tx.db, organizationId, userId)
  if (!member) throw new DomainError('not_found', 'no such member in this organization')
  return member
}

export async function changeMemberRoles(
  deps: ServiceDependencies,
  actor: Actor,
  userId: string,
  requestedRoles: RoleName[],
): Promise<Member> {
  const { organization } = requirePermission(actor, 'member:update')
  const roles = [...new Set(requestedRoles)]
  enforce(checkRoleCombination(roles))
  return inTransaction(deps, async (tx) => {
    const actorRoles = await lockForMembershipChange(tx, actor, organization.id)
    enforce(authorize({ permissions: permissionsOf(actorRoles) }, 'member:update'))
    const target = await findTarget(tx, organization.id, userId)
    enforce(canAssignRoles({ userId: actor.user.id, roles: actorRoles }, target, roles))
    enforce(mustKeepAnOwner(await countOwners(tx.db, organization.id), target, roles))
    await updateMemberRoles(tx.db, organization.id, userId, roles)
    await recordEvent(tx, actor, {
      type: 'member.updated',
      organizationId: organization.id,
      targetId: userId,
      data: {
        userId,
        name: target.name,
        email: target.email,
        before: { roles: target.roles },
        after: { roles },
      },
    })
    return { ...target, roles }
  })
}

/**
 * Removes a member, or lets the caller leave when `userId` is their own. The keys that end with the
 * membership (see revokeKeysAtMembershipEnd) are revoked in the same transaction.
 */
export async function removeMember(
  deps: ServiceDependencies,
  actor: Actor,
  userId: string,
  options: { revokeKeys?: boolean } = {},
): Promise<void> {
  const { organization } = requireMembership(actor)
  const leaving = userId === actor.user.id
  if (!leaving) requirePermission(actor, 'member:remove')
  await inTransaction(deps, async (tx) => {
    const actorRoles = await lockForMembershipChange(tx, actor, organization.id)
    const target = await findTarget(tx, organization.id, userId)
    enforce(canRemoveMember({ userId: actor.user.id, roles: actorRoles }, target))
    enforce(mustKeepAnOwner(await countOwners(tx.db, organization.id), target, null))
    await deleteMembership(tx.db, organization.id, userId)
    await clearActiveOrganization(tx.db, userId, organization.id)
    await recordEvent(tx, actor, {
      type: 'member.removed',
      organizationId: organization.id,
      targetId: userId,
      data: {
        userId,
        name: target.name,
        email: target.email,
        roles: target.roles,
        reason: leaving ? 'left' : 'removed',
      },
    })
    await revokeKeysAtMembershipEnd(tx, actor, organization.id, target, options.revokeKeys === true)
  })
}

export interface RemovalImpact {
  /** The live keys `revokeKeys=true` would revoke, with those that go anyway (portal-only member). */
  keys: ApiKey[]
  /** The applications the member created. */
  applications: { id: string; name: string }[]
}

/** What removing this member would take with it, for the remover to confirm. */
export async function removalImpact(
  deps: ServiceDependencies,
  actor: Actor,
  userId: string,
): Promise<RemovalImpact> {
  const { organization } = requirePermission(actor, 'member:remove')
  const target = await findMember(deps.db, organization.id, userId)
  if (!target) throw new DomainError('not_found', 'no such member in this organization')
  const [keys, applications] = await Promise.all([
    keysEndingWith(deps.db, organization.id, target, true, deps.clock.now()),
    listApplicationNamesCreatedBy(deps.db, organization.id, userId),
  ])
  return { keys, applications }
}

export function listRoles(actor: Actor): readonly Role[] {
  requirePermission(actor, 'role:read')
  return builtInRoles
}

/**
 * "May user U do P in this organization?" for the caller (any member) or, with `member:read`,
 * for another user; a user who is not a member may do nothing.
 */
export async function checkPermissions(
  deps: ServiceDependencies,
  actor: Actor,
  question: { userId?: string; permissions: Permission[] },
): Promise<Record<string, boolean>> {
  const { organization, access } = requireMembership(actor)
  let held = access.permissions
  if (question.userId !== undefined && question.userId !== actor.user.id) {
    requirePermission(actor, 'member:read')
    held = permissionsOf((await findRoles(deps.db, organization.id, question.userId)) ?? [])
  }
  return Object.fromEntries(question.permissions.map((permission) => [permission, held.has(permission)]))
}
