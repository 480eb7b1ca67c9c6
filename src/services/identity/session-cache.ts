// Who is calling, from memory: the session a token opens (with its user), and the caller's
// membership in an organization a path names (or that they have none). This class owns that cache.
// Its one invalidation path is the database's own announcement (migration 0006; see
// ../announced-cache.ts): triggers on sessions, users, memberships and organizations name the user
// or organization whose access changed. Session expiry is checked against the clock at every
// request.

import type { MembershipOfUser } from '../../domain/organizations.ts'
import type { User } from '../../domain/users.ts'
import { type AccessChange, announcedKey } from '../../store/access-changes.ts'
import type { Session } from '../../store/sessions.repository.ts'
import type { ActorMembership } from '../access.ts'
import { AnnouncedCache } from '../announced-cache.ts'
import type { Clock } from '../clock.ts'

export interface CachedSession {
  session: Session
  user: User
}

/** The caller's session entry as a transaction of this instance found it, and as that transaction left it. */
export interface SessionUpdate {
  tokenHash: string
  before: CachedSession
  after: CachedSession
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

  /**
   * Forgets what a transaction of this instance announced, just after it committed, but keeps the
   * session entries it updated (its caller's own) as it left them, instead of dropping them: the
   * caller's next request is answered from memory, not read again. An entry is kept only while it
   * is still the one the caller was authenticated with: had an announcement dropped or replaced it
   * since (another change to that session or user), it is left to be read again; a change
   * committed after this one is announced after it, and drops the kept entry then, as any.
   */
  forgetKeeping(changes: readonly AccessChange[], updates: readonly SessionUpdate[]): void {
    const now = this.clock.now().getTime()
    // Two updates of one session in one transaction (two creations at once) may have been written
    // in either order: that session is read again.
    const counts = new Map<string, number>()
    for (const update of updates) counts.set(update.tokenHash, (counts.get(update.tokenHash) ?? 0) + 1)
    const kept = updates.filter(
      (update) => counts.get(update.tokenHash) === 1 && this.session(update.tokenHash, now) === update.before,
    )
    this.forget(changes)
    for (const update of kept) this.rememberSession(update.tokenHash, update.after, this.generation)
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
