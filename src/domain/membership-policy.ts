// Who may give or take which roles, which roles make sense together, and the rule that an
// organization always keeps an owner. Pure decisions: the members and invitations services call
// them inside their transactions, and the console asks the same ones to offer only what succeeds.
import { allowed, type Decision, refused } from './errors.ts'
import {
  builtInRoles,
  isPortalOnly,
  type PermissionSet,
  permissionsOf,
  type RoleName,
} from './permissions.ts'

export interface MemberRoles {
  userId: string
  roles: readonly RoleName[]
}

/**
 * The portal's access levels (DESIGN.md: Owner, Admin, Member), which the console offers as one
 * choice; Choreo's roles are additions to it, or held without one.
 */
export const accessLevels = ['owner', 'admin', 'member'] as const satisfies readonly RoleName[]
export type AccessLevel = (typeof accessLevels)[number]

export function isAccessLevel(role: RoleName): role is AccessLevel {
  return (accessLevels as readonly RoleName[]).includes(role)
}

const titleOf = (role: RoleName) => builtInRoles.find((r) => r.name === role)?.title ?? role
const listed = (roles: readonly RoleName[]) => roles.map(titleOf).join(' and ')

/**
 * Do `roles` make sense held together? Not Owner with Member: "every permission" beside
 * "read-only" says nothing true (issue 16). A portal-only role (External API subscriber) stands
 * alone: any internal role would show such a member what the portal hides from them (the member
 * list, settings, who built what). Other overlaps are merely redundant (a member's permissions are
 * the union of their roles', DESIGN.md) and stay allowed, since the API has always taken several
 * roles per member; the console offers the access level as one choice all the same.
 */
export function checkRoleCombination(roles: readonly RoleName[]): Decision {
  if (roles.includes('owner') && roles.includes('member')) {
    return invalidRoles(
      'must not combine Owner and Member: an owner holds every permission, a member reads only',
    )
  }
  const portalOnly = roles.filter((role) => isPortalOnly([role]))
  const internal = roles.filter((role) => !isPortalOnly([role]))
  if (portalOnly.length > 0 && internal.length > 0) {
    return invalidRoles(
      `must not combine ${listed(portalOnly)} with ${listed(internal)}: an external API subscriber sees only the developer portal`,
    )
  }
  return allowed
}

/** As invalidField (errors.ts) words it: "roles must not …", with the field in `errors`. */
const invalidRoles = (message: string) =>
  refused('validation_failed', `roles ${message}`, { errors: [{ in: 'body', path: '/roles', message }] })

const isOwner = (member: MemberRoles | undefined) => member?.roles.includes('owner') === true

/**
 * May `actor` change `target`'s roles (undefined target: a newcomer, as by invitation) to `newRoles`?
 * Only an owner grants or takes away `owner`, or touches an owner at all; anyone else may give or
 * take only roles whose every permission they hold themselves.
 */
export function canAssignRoles(
  actor: MemberRoles & { permissions?: PermissionSet },
  target: MemberRoles | undefined,
  newRoles: readonly RoleName[],
): Decision {
  const current = target?.roles ?? []
  const added = newRoles.filter((role) => !current.includes(role))
  const removed = current.filter((role) => !newRoles.includes(role))
  if (!isOwner(actor)) {
    if (added.includes('owner') || removed.includes('owner') || isOwner(target)) {
      return refused('forbidden', 'only an owner can grant, take away or change the owner role', {
        permission: 'organization:delete',
      })
    }
    const held = actor.permissions ?? permissionsOf(actor.roles)
    for (const role of [...added, ...removed]) {
      const needed = permissionsOf([role])
      if (!held.covers(needed)) {
        const missing = needed.list().find((permission) => !held.has(permission))
        return refused(
          'forbidden',
          `you cannot assign the role ${titleOf(role)}: it grants permissions you do not hold`,
          {
            permission: missing ?? 'member:update',
          },
        )
      }
    }
  }
  return allowed
}

/** May `actor` remove `target`? Leaving (removing oneself) needs no permission; the owner rule applies. */
export function canRemoveMember(
  actor: MemberRoles & { permissions?: PermissionSet },
  target: MemberRoles,
): Decision {
  if (actor.userId === target.userId) return allowed
  const held = actor.permissions ?? permissionsOf(actor.roles)
  if (!held.has('member:remove')) {
    return refused('forbidden', 'you may not remove members', { permission: 'member:remove' })
  }
  if (isOwner(target) && !isOwner(actor)) {
    return refused('forbidden', 'only an owner can remove an owner', { permission: 'organization:delete' })
  }
  return allowed
}

/**
 * The organization must keep at least one owner. `owners` is the number of owners now (counted
 * under the organization's lock); `target` loses the owner role when `newRoles` is null (removal,
 * leave) or lacks `owner`.
 */
export function mustKeepAnOwner(
  owners: number,
  target: MemberRoles,
  newRoles: readonly RoleName[] | null,
): Decision {
  const losesOwner = isOwner(target) && (newRoles === null || !newRoles.includes('owner'))
  if (losesOwner && owners <= 1) {
    return refused('last_owner', 'an organization must keep an owner: make someone else owner first')
  }
  return allowed
}
