// Invitations: an organization invites an email with roles; the invitee accepts or declines while
// signed in with that email. Tokens are 32 random bytes mailed once and stored as SHA-256. Every
// change locks the invitation's row, so concurrent accepts make one membership and an accept racing
// a revoke ends as one or the other.

import { isValidEmail } from '../../domain/emails.ts'
import { DomainError, enforce, invalidField, refusalOf } from '../../domain/errors.ts'
import {
  checkReopenable,
  checkRespondable,
  type Invitation,
  type InvitationStatus,
  isInvitedEmail,
  statusAt,
} from '../../domain/invitation-policy.ts'
import { canAssignRoles, checkRoleCombination } from '../../domain/membership-policy.ts'
import type { Member, Organization } from '../../domain/organizations.ts'
import { builtInRoles, permissionsOf, type RoleName } from '../../domain/permissions.ts'
import { hashToken, looksLikeToken, newToken } from '../../domain/tokens.ts'
import { invitationMail } from '../../mail/templates.ts'
import {
  countPendingInvitations,
  findInvitation,
  findInvitationFacts,
  findInvitationForInvitee,
  findInvitationsForInvitees,
  foldInvitationTally,
  type InvitationFacts,
  type InvitationForInvitee,
  type InviteeKey,
  insertInvitations,
  invitationSlot,
  listInvitations,
  listPendingInvitationsTo,
  recordAcceptances,
  updateInvitation,
} from '../../store/invitations.repository.ts'
import { findRoles } from '../../store/memberships.repository.ts'
import {
  findLogo,
  type Logo,
  lockOrganizationShared,
  lockOrganizations,
} from '../../store/organizations.repository.ts'
import {
  type Actor,
  type ActorMembership,
  lockNamedOrganization,
  membershipOf,
  requirePermission,
} from '../access.ts'
import { answerOf, type GroupOutcome } from '../call-groups.ts'
import type { ServiceDependencies } from '../dependencies.ts'
import { recordEvent } from '../events/events.service.ts'
import { queueMail } from '../outbox.ts'
import { decodeDatedCursor, type Page, pageOf } from '../pagination.ts'
import { inTransaction, type Transaction } from '../transaction.ts'

/** An invitation as its invitee sees it: with the organization it opens. */
export interface InvitationPreview {
  invitation: Invitation
  organization: Organization
  status: InvitationStatus
}

const roleTitles = (roles: readonly RoleName[]) =>
  roles.map((role) => builtInRoles.find((r) => r.name === role)?.title ?? role)

/** The actor's current roles, read under the organization's lock, and whether they may offer `roles`. */
async function checkInviter(tx: Transaction, actor: Actor, organizationId: string, roles: RoleName[]) {
  const actorRoles = await findRoles(tx.db, organizationId, actor.user.id)
  const refusal = inviterRefusal({ userId: actor.user.id, roles: actorRoles }, roles)
  if (refusal) throw refusal
}

/**
 * Why an inviter holding `inviter.roles` (as just read; undefined: not a member) may not offer
 * `roles`; undefined when they may.
 */
function inviterRefusal(
  inviter: { userId: string; roles: RoleName[] | undefined },
  roles: RoleName[],
): DomainError | undefined {
  if (!inviter.roles) return new DomainError('not_found', 'no such organization')
  if (!permissionsOf(inviter.roles).has('member:invite')) {
    return new DomainError('forbidden', 'this needs the permission member:invite', {
      permission: 'member:invite',
    })
  }
  return refusalOf(canAssignRoles({ userId: inviter.userId, roles: inviter.roles }, undefined, roles))
}

async function mailInvitation(
  deps: ServiceDependencies,
  tx: Transaction,
  organization: Organization,
  invitation: { email: string; roles: RoleName[]; expiresAt: Date },
  inviter: { name: string; emailVerified: boolean },
  token: string,
  /** The organization's logo, read by the caller (undefined: it has none). */
  logo: Logo | undefined,
): Promise<void> {
  await queueMail(
    deps,
    tx,
    invitationMail({
      to: invitation.email,
      organizationName: organization.name,
      inviterName: inviter.name,
      inviterEmailVerified: inviter.emailVerified,
      roleTitles: roleTitles(invitation.roles),
      link: `${deps.publicUrl}/invitations/${token}`,
      expiresAt: invitation.expiresAt,
      logo: logo && { contentType: logo.contentType, bytes: logo.bytes },
    }),
    'invitation',
  )
}

/** An organization's pending-invitation tally is folded into one row past this many. */
const TALLY_ROWS_TO_FOLD = 64

export async function inviteMember(
  deps: ServiceDependencies,
  actor: Actor,
  input: { email: string; roles: RoleName[] },
): Promise<Invitation> {
  const { organization, access } = requirePermission(actor, 'member:invite')
  if (!isValidEmail(input.email)) throw invalidField('/email', 'must be one email address')
  const roles = [...new Set(input.roles)]
  enforce(checkRoleCombination(roles))
  enforce(canAssignRoles({ userId: actor.user.id, roles: access.roles }, undefined, roles))
  deps.limits.invitationsPerOrganization?.take(organization.id)
  // Concurrent invitations are written together (services/call-groups.ts).
  return deps.callGroups.run<InvitationCall, Invitation>(
    'invitation.create',
    { actor, organization, email: input.email, roles },
    {
      alone: (call) => inviteAlone(deps, call),
      together: (calls) => writeInvitations(deps, calls),
    },
  )
}

/** An invitation a call asks for: by whom, into which organization, to which email, with which roles. */
interface InvitationCall {
  actor: Actor
  organization: Organization
  email: string
  roles: RoleName[]
}

async function inviteAlone(deps: ServiceDependencies, call: InvitationCall): Promise<Invitation> {
  try {
    return await invite(deps, call, false)
  } catch (error) {
    if (error !== NEAR_THE_CAP) throw error
    return invite(deps, call, true)
  }
}

/** Thrown (and caught) when an invitation must be made again under the organization's own lock. */
const NEAR_THE_CAP = Symbol('near the pending-invitation cap')

const invitationPending = () =>
  new DomainError('invitation_pending', 'an invitation to this email is pending; resend it instead')

const pendingCapReached = (limit: number) =>
  new DomainError(
    'conflict',
    `this organization has ${limit} pending invitation${limit === 1 ? '' : 's'}; revoke some first`,
  )

/**
 * Why the call's invitation may not be made, by the facts read under its organization's lock
 * (undefined facts: the organization is gone); undefined when it may. A pending invitation to the
 * same email that has expired does not refuse it: it gives way to the new one.
 */
function refusalToInvite(call: InvitationCall, facts: InvitationFacts | undefined, now: Date) {
  const refusal = inviterRefusal({ userId: call.actor.user.id, roles: facts?.inviterRoles }, call.roles)
  if (refusal) return refusal
  if (!facts) return new DomainError('not_found', 'no such organization')
  if (facts.emailIsMember) return new DomainError('already_member', 'this email already belongs to a member')
  if (facts.pending && facts.pending.expiresAt > now) return invitationPending()
  return undefined
}

const askedOf = (call: InvitationCall) => ({
  organizationId: call.organization.id,
  inviterId: call.actor.user.id,
  email: call.email,
})

/**
 * Far from the cap (by more than every connection inviting at this moment could add), inviters
 * share the organization's row (KEY SHARE, which its foreign key takes anyway) and count nothing:
 * the tally plus max_connections bounds what they can reach together. Near it, the invitation is
 * made again (`exclusive`), holding the row FOR UPDATE from the start (so no two wait to upgrade a
 * shared lock): that waits for every inviter that read its facts under the shared lock to commit,
 * and holds back the rest until it commits, so its exact count misses no one. The facts are read
 * after the lock, in a statement of their own, so that they are as of the lock.
 */
async function invite(
  deps: ServiceDependencies,
  call: InvitationCall,
  exclusive: boolean,
): Promise<Invitation> {
  const { organization } = call
  return inTransaction(deps, async (tx) => {
    if (exclusive) await lockNamedOrganization(tx, organization.id)
    else if (!(await lockOrganizationShared(tx.db, organization.id))) {
      throw new DomainError('not_found', 'no such organization')
    }
    // One read for every check; duplicates are refused by the unique index of pending invitations.
    const [facts] = await findInvitationFacts(tx.db, [askedOf(call)])
    const refusal = refusalToInvite(call, facts, tx.now)
    if (refusal || !facts) throw refusal
    // An expired invitation to the same email gives way to the new one.
    if (facts.pending) await updateInvitation(tx.db, organization.id, facts.pending.id, { status: 'expired' })
    const limit = deps.pendingInvitationLimit
    if (facts.pendingBoundWithInFlight >= limit) {
      if (!exclusive) throw NEAR_THE_CAP
      if ((await countPendingInvitations(tx.db, organization.id, tx.now, limit)) >= limit) {
        throw pendingCapReached(limit)
      }
    }
    if (facts.tallyRows > TALLY_ROWS_TO_FOLD) await foldInvitationTally(tx.db, organization.id)
    const [made] = await makeInvitations(deps, tx, [call])
    if (!made) throw invitationPending()
    return made
  })
}

/**
 * Makes invitations in one transaction, holding their organizations' rows FOR UPDATE (in the order
 * of their ids): no other invitation to them is in flight meanwhile (inviters alone share the row,
 * and the lock waits for them), so the tally read under it is exact for the cap, and counted
 * exactly only when the group's would pass it. Each call is checked as its own invitation would
 * be; one to an email with an expired pending invitation, or to an email a call before it in the
 * group invites too, is written alone after the group.
 */
async function writeInvitations(
  deps: ServiceDependencies,
  calls: readonly InvitationCall[],
): Promise<GroupOutcome<Invitation>[]> {
  return inTransaction(deps, async (tx) => {
    const outcomes: GroupOutcome<Invitation>[] = calls.map(() => 'alone')
    const locked = await lockOrganizations(tx.db, [...new Set(calls.map((call) => call.organization.id))])
    const facts = await findInvitationFacts(tx.db, calls.map(askedOf))
    const slots = new Set<string>()
    const admitted = new Map<string, number[]>()
    for (const [index, call] of calls.entries()) {
      const refusal = refusalToInvite(
        call,
        locked.has(call.organization.id) ? facts[index] : undefined,
        tx.now,
      )
      if (refusal) {
        outcomes[index] = { error: refusal }
        continue
      }
      const slot = invitationSlot(call.organization.id, call.email)
      if (facts[index]?.pending || slots.has(slot)) continue
      slots.add(slot)
      admitted.set(call.organization.id, [...(admitted.get(call.organization.id) ?? []), index])
    }
    const limit = deps.pendingInvitationLimit
    const made: number[] = []
    for (const [organizationId, indices] of admitted) {
      const organizationFacts = facts[indices[0] ?? 0]
      if (organizationFacts && organizationFacts.tallyRows > TALLY_ROWS_TO_FOLD) {
        await foldInvitationTally(tx.db, organizationId)
      }
      let room = indices.length
      if ((organizationFacts?.pendingTally ?? 0) + indices.length > limit) {
        room = Math.max(0, limit - (await countPendingInvitations(tx.db, organizationId, tx.now, limit)))
      }
      for (const index of indices.slice(room)) outcomes[index] = { error: pendingCapReached(limit) }
      made.push(...indices.slice(0, room))
    }
    const invitations = await makeInvitations(
      deps,
      tx,
      made.map((index) => calls[index] as InvitationCall),
    )
    for (const [position, index] of made.entries()) {
      const invitation = invitations[position]
      if (invitation) outcomes[index] = { value: invitation }
    }
    return outcomes
  })
}

/**
 * Writes the calls' invitations in one statement, with each one's mail and event; answers each
 * invitation made, in order (undefined where its email had a pending invitation there already).
 */
async function makeInvitations(
  deps: ServiceDependencies,
  tx: Transaction,
  calls: readonly InvitationCall[],
): Promise<(Invitation | undefined)[]> {
  const expiresAt = new Date(tx.now.getTime() + deps.invitationTtlMs)
  const tokens = calls.map(() => newToken())
  const ids = await insertInvitations(
    tx.db,
    calls.map((call, index) => ({
      organizationId: call.organization.id,
      email: call.email,
      roles: call.roles,
      tokenHash: hashToken(tokens[index] ?? ''),
      invitedBy: call.actor.user.id,
      expiresAt,
    })),
    tx.now,
  )
  const logos = new Map<string, Promise<Logo | undefined>>()
  const made: (Invitation | undefined)[] = []
  for (const [index, call] of calls.entries()) {
    const { actor, organization, email, roles } = call
    const id = ids.get(invitationSlot(organization.id, email))
    if (!id) {
      made.push(undefined)
      continue
    }
    if (organization.logoEtag && !logos.has(organization.id))
      logos.set(organization.id, findLogo(tx.db, organization.id))
    const logo = await logos.get(organization.id)
    await mailInvitation(
      deps,
      tx,
      organization,
      { email, roles, expiresAt },
      actor.user,
      tokens[index] ?? '',
      logo,
    )
    await recordEvent(tx, actor, {
      type: 'invitation.created',
      organizationId: organization.id,
      targetId: id,
      data: { email, roles, expiresAt: expiresAt.toISOString() },
    })
    made.push({
      id,
      organizationId: organization.id,
      email,
      roles,
      status: 'pending',
      invitedBy: { userId: actor.user.id, name: actor.user.name },
      createdAt: tx.now,
      expiresAt,
    })
  }
  return made
}

export async function listOrganizationInvitations(
  deps: ServiceDependencies,
  actor: Actor,
  page: { limit: number; cursor?: string; status?: InvitationStatus },
): Promise<Page<Invitation>> {
  const { organization } = requirePermission(actor, 'member:read')
  const before = page.cursor ? decodeDatedCursor(page.cursor) : undefined
  const rows = await listInvitations(deps.db, organization.id, {
    limit: page.limit + 1,
    status: page.status,
    now: deps.clock.now(),
    before: before && { createdAt: before.at, id: before.id },
  })
  return pageOf(rows, page.limit, (invitation) => [invitation.createdAt.toISOString(), invitation.id])
}

async function lockInvitation(tx: Transaction, organizationId: string, id: string): Promise<Invitation> {
  const invitation = await findInvitation(tx.db, organizationId, id, { lock: true })
  if (!invitation) throw new DomainError('not_found', 'no such invitation')
  return invitation
}

export async function revokeInvitation(deps: ServiceDependencies, actor: Actor, id: string): Promise<void> {
  const { organization } = requirePermission(actor, 'member:invite')
  await inTransaction(deps, async (tx) => {
    const invitation = await lockInvitation(tx, organization.id, id)
    enforce(checkReopenable(invitation, tx.now))
    await updateInvitation(tx.db, organization.id, id, { status: 'revoked', respondedAt: tx.now })
    await recordEvent(tx, actor, {
      type: 'invitation.revoked',
      organizationId: organization.id,
      targetId: id,
      data: { email: invitation.email, roles: invitation.roles },
    })
  })
}

/** A new token and expiry for a pending or expired invitation; the old link stops working. */
export async function resendInvitation(
  deps: ServiceDependencies,
  actor: Actor,
  id: string,
): Promise<Invitation> {
  const { organization } = requirePermission(actor, 'member:invite')
  return inTransaction(deps, async (tx) => {
    const locked = await lockNamedOrganization(tx, organization.id)
    const invitation = await lockInvitation(tx, organization.id, id)
    enforce(checkReopenable(invitation, tx.now))
    // The one who resends becomes the inviter, so their rights are what the accept will check.
    await checkInviter(tx, actor, organization.id, invitation.roles)
    const token = newToken()
    const expiresAt = new Date(tx.now.getTime() + deps.invitationTtlMs)
    await updateInvitation(tx.db, organization.id, id, {
      tokenHash: hashToken(token),
      expiresAt,
      invitedBy: actor.user.id,
    })
    const logo = locked.logoEtag ? await findLogo(tx.db, locked.id) : undefined
    await mailInvitation(deps, tx, locked, { ...invitation, expiresAt }, actor.user, token, logo)
    await recordEvent(tx, actor, {
      type: 'invitation.resent',
      organizationId: organization.id,
      targetId: id,
      data: { email: invitation.email, roles: invitation.roles, expiresAt: expiresAt.toISOString() },
    })
    return { ...invitation, expiresAt, invitedBy: { userId: actor.user.id, name: actor.user.name } }
  })
}

/** What a token opens, without a session: the token is the secret. Unknown tokens are 404. */
export async function previewInvitation(
  deps: ServiceDependencies,
  token: string,
): Promise<InvitationPreview> {
  const found = looksLikeToken(token)
    ? await findInvitationForInvitee(deps.db, { tokenHash: hashToken(token) })
    : undefined
  if (!found) throw new DomainError('not_found', 'no such invitation')
  const { invitation, organization } = found
  return { invitation, organization, status: statusAt(invitation, deps.clock.now()) }
}

/** Which invitation an invitee answers: by the mailed token, or by id from their own verified list. */
export type InvitationKey = { token: string } | { id: string }

/**
 * The logo of the organization an invitation opens, for its invitee, who may not read the
 * organization's own: by the mailed token (any status the preview shows), or by id from their
 * verified list (pending ones). No logo, like an unknown invitation, is 404.
 */
export async function logoOfInvitation(
  deps: ServiceDependencies,
  actor: Actor | undefined,
  key: InvitationKey,
): Promise<Logo> {
  const found = await findForInvitee(deps.db, actor, key)
  const logo = found?.organization.logoEtag ? await findLogo(deps.db, found.organization.id) : undefined
  if (!logo) throw new DomainError('not_found', 'no such invitation, or its organization has no logo')
  return logo
}

/**
 * How an invitee may reach the invitation `key` names: by the mailed token, or by id when the
 * caller's verified email is the one invited (without the token, a verified email is the proof of
 * the inbox). Undefined when there is no way.
 */
function inviteeKeyOf(actor: Actor | undefined, key: InvitationKey): InviteeKey | undefined {
  if ('token' in key) return looksLikeToken(key.token) ? { tokenHash: hashToken(key.token) } : undefined
  if (actor?.user.emailVerified && /^[0-9a-f-]{36}$/i.test(key.id))
    return { id: key.id, email: actor.user.email }
  return undefined
}

/** The invitation `key` names, as its invitee may reach it (inviteeKeyOf); undefined when there is none to reach. */
async function findForInvitee(
  db: Transaction['db'],
  actor: Actor | undefined,
  key: InvitationKey,
  options: { lock?: boolean } = {},
) {
  const inviteeKey = inviteeKeyOf(actor, key)
  return inviteeKey && findInvitationForInvitee(db, inviteeKey, options)
}

/** Why `actor` may not answer the invitation found (undefined: none found): not found, no longer pending, another email's. */
function refusalToRespond(
  actor: Actor,
  found: InvitationForInvitee | undefined,
  now: Date,
): DomainError | undefined {
  if (!found) return new DomainError('not_found', 'no such invitation')
  const refusal = refusalOf(checkRespondable(found.invitation, now))
  if (refusal) return refusal
  if (!isInvitedEmail(found.invitation, actor.user.email)) {
    return new DomainError(
      'invitation_email_mismatch',
      'this invitation was sent to another email; sign in with that one',
    )
  }
  return undefined
}

async function lockForResponse(tx: Transaction, actor: Actor, key: InvitationKey) {
  const found = await findForInvitee(tx.db, actor, key, { lock: true })
  const refusal = refusalToRespond(actor, found, tx.now)
  if (refusal || !found) throw refusal
  return found
}

/** An invitation accepted by a call: who accepts, and how they name it. */
interface AcceptanceCall {
  actor: Actor
  key: InvitationKey
}

export async function acceptInvitation(
  deps: ServiceDependencies,
  actor: Actor,
  key: InvitationKey,
): Promise<{ membership: ActorMembership; member: Member }> {
  // Concurrent acceptances are written together (services/call-groups.ts).
  return deps.callGroups.run<AcceptanceCall, { membership: ActorMembership; member: Member }>(
    'invitation.accept',
    { actor, key },
    {
      alone: async (call) => answerOf((await writeAcceptances(deps, [call]))[0]),
      together: (calls) => writeAcceptances(deps, calls),
    },
  )
}

/**
 * Accepts invitations in one transaction: every invitation named is locked by one statement, each
 * checked as its own accept would check it, and the accepted written by one statement. A second
 * call for an invitation, or for a user and organization, already in the group is left to be
 * written alone after it (where it meets the first one's outcome).
 */
async function writeAcceptances(
  deps: ServiceDependencies,
  calls: readonly AcceptanceCall[],
): Promise<GroupOutcome<{ membership: ActorMembership; member: Member }>[]> {
  // Planned once per connection: a group's statements are the same every time, and its
  // foreign-key checks find organizations, users and invitations by key in tables an acceptance
  // does not grow. Planning them with their values was a fifth of the time PostgreSQL spent on a
  // group (docs/performance.md, session 9).
  return inTransaction(
    deps,
    async (tx) => {
      const outcomes: GroupOutcome<{ membership: ActorMembership; member: Member }>[] = calls.map(
        () => 'alone',
      )
      const keys = calls.map((call) => inviteeKeyOf(call.actor, call.key))
      const reachable = keys.flatMap((key) => (key ? [key] : []))
      const found =
        reachable.length > 0 ? await findInvitationsForInvitees(tx.db, reachable, { lock: true }) : []
      const foundFor = new Map(reachable.map((key, index) => [key, found[index]]))
      const claimed = new Set<string>()
      const accepted: {
        index: number
        call: AcceptanceCall
        invitation: Invitation
        organization: Organization
      }[] = []
      for (const [index, call] of calls.entries()) {
        const key = keys[index]
        const invitationFound = key && foundFor.get(key)
        const refusal = refusalToRespond(call.actor, invitationFound, tx.now)
        if (refusal || !invitationFound) {
          outcomes[index] = { error: refusal }
          continue
        }
        const { invitation, organization, inviterRoles } = invitationFound
        const claims = [`invitation ${invitation.id}`, `member ${organization.id} ${call.actor.user.id}`]
        if (claims.some((claim) => claimed.has(claim))) continue
        for (const claim of claims) claimed.add(claim)
        // The inviter must still be able to grant these roles: a demoted or removed inviter's
        // invitations lapse.
        const inviterMayGrant =
          inviterRefusal(
            { userId: invitation.invitedBy.userId ?? '', roles: inviterRoles },
            invitation.roles,
          ) === undefined
        if (!inviterMayGrant) {
          outcomes[index] = {
            error: new DomainError(
              'invitation_not_pending',
              'whoever invited you can no longer grant these roles; ask again',
            ),
          }
          continue
        }
        accepted.push({ index, call, invitation, organization })
      }
      const members = await recordAcceptances(
        tx.db,
        accepted.map(({ call, invitation, organization }) => ({
          organizationId: organization.id,
          invitationId: invitation.id,
          userId: call.actor.user.id,
          roles: invitation.roles,
          // The first organization a session joins becomes its active one.
          activateForSession: call.actor.activeOrganizationId ? undefined : call.actor.sessionId,
          emailVerified: call.actor.user.emailVerified,
        })),
        tx.now,
      )
      for (const { index, call, invitation, organization } of accepted) {
        const member = members.get(invitation.id)
        if (!member) {
          outcomes[index] = {
            error: new DomainError('already_member', 'you are already a member of this organization'),
          }
          continue
        }
        await recordAcceptanceEvents(tx, call.actor, invitation, member)
        // As recordAcceptances left the caller: the email verified, and the organization active
        // and remembered when the session had none.
        const activated = !call.actor.activeOrganizationId
        tx.updatesSession?.(call.actor, ({ session, user }) => ({
          session: activated
            ? { ...session, activeOrganizationId: organization.id, rememberedOrganizationId: organization.id }
            : session,
          user: { ...user, emailVerified: true },
        }))
        outcomes[index] = {
          value: {
            membership: membershipOf(organization, invitation.roles, tx.now),
            member: {
              userId: call.actor.user.id,
              email: member.email,
              name: member.name,
              roles: invitation.roles,
              joinedAt: tx.now,
            },
          },
        }
      }
      return outcomes
    },
    { planOnce: true },
  )
}

async function recordAcceptanceEvents(
  tx: Transaction,
  actor: Actor,
  invitation: Invitation,
  member: { email: string; name: string },
): Promise<void> {
  await recordEvent(tx, actor, {
    type: 'invitation.accepted',
    organizationId: invitation.organizationId,
    targetId: invitation.id,
    data: { email: invitation.email, roles: invitation.roles, userId: actor.user.id, name: member.name },
  })
  await recordEvent(tx, actor, {
    type: 'member.added',
    organizationId: invitation.organizationId,
    targetId: actor.user.id,
    data: {
      userId: actor.user.id,
      name: member.name,
      email: member.email,
      roles: invitation.roles,
      invitationId: invitation.id,
    },
  })
}

export async function declineInvitation(
  deps: ServiceDependencies,
  actor: Actor,
  key: InvitationKey,
): Promise<void> {
  await inTransaction(deps, async (tx) => {
    const { invitation, organization } = await lockForResponse(tx, actor, key)
    await updateInvitation(tx.db, organization.id, invitation.id, { status: 'declined', respondedAt: tx.now })
    await recordEvent(tx, actor, {
      type: 'invitation.declined',
      organizationId: organization.id,
      targetId: invitation.id,
      data: { email: invitation.email, userId: actor.user.id, name: actor.user.name },
    })
  })
}

/** Pending invitations to the caller's email, once that email is verified (empty before). */
export async function listMyInvitations(
  deps: ServiceDependencies,
  actor: Actor,
): Promise<InvitationPreview[]> {
  if (!actor.user.emailVerified) return []
  const rows = await listPendingInvitationsTo(deps.db, actor.user.email, deps.clock.now())
  return rows.map((row) => ({ ...row, status: 'pending' as const }))
}

/** Whether a sign-up's invitation token is a pending invitation to that email (which proves the inbox). */
export async function isPendingInvitationTo(tx: Transaction, token: string, email: string): Promise<boolean> {
  if (!looksLikeToken(token)) return false
  const found = await findInvitationForInvitee(tx.db, { tokenHash: hashToken(token) })
  return (
    found !== undefined &&
    checkRespondable(found.invitation, tx.now).ok &&
    isInvitedEmail(found.invitation, email)
  )
}
