// Who is calling, from memory: the session a token opens (with its user), and the caller's
// membership in an organization a path names (or that they have none). This class owns that cache.
// Its one invalidation path is the database's own announcement (migration 0006; see
// ../announced-cache.ts): triggers on sessions, users, memberships and organizations name the user
// or organization whose access changed. Session expiry is checked against the clock at every
// request.

import type { MembershipOfUser } from '../../domain/organizations.ts'
import type { User } from '../../domain/users.ts'
import { announcedKey } from '../../store/access-changes.ts'
import type { Session } from '../../store/sessions.repository.ts'
import type { ActorMembership } from '../access.ts'
import { AnnouncedCache } from '../announced-cache.ts'
import type { Clock } from '../clock.ts'

export interface CachedSession {
  session: Session
  user: User
}

/**
 * Keyed `s <token hash>` for sessions, `m <user id> <organization ref>` for memberships, `o <user
 * id>` for all of a user's memberships (GET /v1/me); each entry tagged with the user it is about
 * and the organizations it holds (a new membership announces its user; a role change, a removal, a
 * rename or a deletion announces the organization).
 */
export class SessionCache extends AnnouncedCache<
  CachedSession | ActorMembership | null | readonly MembershipOfUser[]
> {
  constructor(options: { clock: Clock; ttlMs?: number; maxEntries?: number }) {
    super({ ...options, kinds: ['user', 'organization'] })
  }

  /** `now` in ms: the caller reads the clock once per request. */
  session(tokenHash: string, now: number): CachedSession | undefined {
    return this.get(`s ${tokenHash}`, now) as CachedSession | undefined
  }

  /** The membership, `null` for "none" (not a member, or no such organization), undefined if not cached. */
  membership(userId: string, organizationRef: string, now: number): ActorMembership | null | undefined {
    return this.get(membershipKey(userId, organizationRef), now) as ActorMembership | null | undefined
  }

  /** Every membership of the user, in the order they joined, if cached. */
  membershipsOf(userId: string, now: number): readonly MembershipOfUser[] | undefined {
    return this.get(`o ${userId}`, now) as readonly MembershipOfUser[] | undefined
  }

  rememberMembershipsOf(userId: string, value: readonly MembershipOfUser[], generation: number): void {
    const tags = [announcedKey({ kind: 'user', id: userId })]
    for (const membership of value)
      tags.push(announcedKey({ kind: 'organization', id: membership.organization.id }))
    this.set(`o ${userId}`, value, tags, generation)
  }

  rememberSession(tokenHash: string, value: CachedSession, generation: number): void {
    this.set(`s ${tokenHash}`, value, [announcedKey({ kind: 'user', id: value.user.id })], generation)
  }

  rememberMembership(
    userId: string,
    organizationRef: string,
    value: ActorMembership | null,
    generation: number,
  ): void {
    const user = announcedKey({ kind: 'user', id: userId })
    const tags = value ? [user, announcedKey({ kind: 'organization', id: value.organization.id })] : [user]
    this.set(membershipKey(userId, organizationRef), value, tags, generation)
  }
}

/** Handles are matched in any case and ids are case-insensitive UUIDs, so refs are keyed in lower case. */
function membershipKey(userId: string, organizationRef: string): string {
  return `m ${userId} ${organizationRef.toLowerCase()}`
}
