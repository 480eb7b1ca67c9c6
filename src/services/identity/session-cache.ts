// Who is calling, from memory: the session a token opens (with its user), and the caller's
// membership in an organization a path names (or that they have none). This class owns that cache.
// Its one invalidation path is the database's own announcement (migration 0006): triggers on
// sessions, users, memberships and organizations name the user or organization whose access
// changed. The instance that made the change drops those entries right after its commit, before it
// answers (the transaction helper reads the announcement); every instance drops them on NOTIFY.
// Session expiry is checked against the clock at every request. Entries also age out after a
// minute, and all go when the listener reports a gap. A load that raced with an invalidation is
// not kept: it may hold what the invalidation was about.

import type { User } from '../../domain/users.ts'
import type { AccessChange } from '../../store/access-changes.ts'
import { ACCESS_CHANNEL, parseAccessChange } from '../../store/access-changes.ts'
import type { Database } from '../../store/database.ts'
import type { Session } from '../../store/sessions.repository.ts'
import type { ActorMembership } from '../access.ts'
import type { Clock } from '../clock.ts'

export interface CachedSession {
  session: Session
  user: User
}

interface Entry {
  value: CachedSession | ActorMembership | null
  cachedAt: number
  userId: string
  organizationId: string | null
}

export class SessionCache {
  readonly #clock: Clock
  readonly #ttlMs: number
  readonly #maxEntries: number
  /** Keyed `s <token hash>` for sessions, `m <user id> <organization ref>` for memberships. */
  readonly #entries = new Map<string, Entry>()
  readonly #keysOfUser = new Map<string, Set<string>>()
  readonly #keysOfOrganization = new Map<string, Set<string>>()
  #generation = 0
  #stopListening: (() => Promise<void>) | undefined

  constructor(options: { clock: Clock; ttlMs?: number; maxEntries?: number }) {
    this.#clock = options.clock
    this.#ttlMs = options.ttlMs ?? 60_000
    this.#maxEntries = options.maxEntries ?? 100_000
  }

  /** Listens for the changes other instances (and direct SQL) make. */
  async start(database: Database): Promise<void> {
    this.#stopListening = await database.listen(
      ACCESS_CHANNEL,
      (key) => this.forget([parseAccessChange(key)]),
      () => this.clear(),
    )
  }

  async stop(): Promise<void> {
    await this.#stopListening?.()
  }

  /** Taken before a load and handed back to `remember…`: a load that raced an invalidation is dropped. */
  get generation(): number {
    return this.#generation
  }

  get size(): number {
    return this.#entries.size
  }

  /** `now` in ms: the caller reads the clock once per request. */
  session(tokenHash: string, now: number): CachedSession | undefined {
    return this.#fresh(`s ${tokenHash}`, now) as CachedSession | undefined
  }

  /** The membership, `null` for "none" (not a member, or no such organization), undefined if not cached. */
  membership(userId: string, organizationRef: string, now: number): ActorMembership | null | undefined {
    return this.#fresh(membershipKey(userId, organizationRef), now) as ActorMembership | null | undefined
  }

  rememberSession(tokenHash: string, value: CachedSession, generation: number): void {
    this.#remember(`s ${tokenHash}`, { value, userId: value.user.id, organizationId: null }, generation)
  }

  rememberMembership(
    userId: string,
    organizationRef: string,
    value: ActorMembership | null,
    generation: number,
  ): void {
    this.#remember(
      membershipKey(userId, organizationRef),
      { value, userId, organizationId: value?.organization.id ?? null },
      generation,
    )
  }

  forget(changes: readonly AccessChange[]): void {
    // Changes to API keys are the key cache's (credentials/key-verifier.ts), not who is calling.
    const relevant = changes.filter((change) => change.kind !== 'keys')
    if (relevant.length === 0) return
    this.#generation++
    if (relevant.some((change) => change.kind === 'all')) {
      this.clear()
      return
    }
    for (const change of relevant) {
      if (change.kind === 'all') continue
      const index = change.kind === 'user' ? this.#keysOfUser : this.#keysOfOrganization
      for (const key of index.get(change.id) ?? []) this.#drop(key)
      index.delete(change.id)
    }
  }

  clear(): void {
    this.#generation++
    this.#entries.clear()
    this.#keysOfUser.clear()
    this.#keysOfOrganization.clear()
  }

  #fresh(key: string, now: number): Entry['value'] | undefined {
    const entry = this.#entries.get(key)
    if (!entry) return undefined
    if (now - entry.cachedAt >= this.#ttlMs) {
      this.#drop(key)
      return undefined
    }
    return entry.value
  }

  #remember(key: string, entry: Omit<Entry, 'cachedAt'>, generation: number): void {
    if (generation !== this.#generation) return
    // Bounded: a flood of distinct sessions or organization names cannot grow memory without end.
    if (this.#entries.size >= this.#maxEntries) this.clear()
    this.#drop(key)
    this.#entries.set(key, { ...entry, cachedAt: this.#clock.now().getTime() })
    addTo(this.#keysOfUser, entry.userId, key)
    if (entry.organizationId) addTo(this.#keysOfOrganization, entry.organizationId, key)
  }

  #drop(key: string): void {
    const entry = this.#entries.get(key)
    if (!entry) return
    this.#entries.delete(key)
    removeFrom(this.#keysOfUser, entry.userId, key)
    if (entry.organizationId) removeFrom(this.#keysOfOrganization, entry.organizationId, key)
  }
}

/** Handles are matched in any case and ids are case-insensitive UUIDs, so refs are keyed in lower case. */
function membershipKey(userId: string, organizationRef: string): string {
  return `m ${userId} ${organizationRef.toLowerCase()}`
}

function addTo(index: Map<string, Set<string>>, id: string, key: string): void {
  const keys = index.get(id)
  if (keys) keys.add(key)
  else index.set(id, new Set([key]))
}

function removeFrom(index: Map<string, Set<string>>, id: string, key: string): void {
  const keys = index.get(id)
  if (!keys) return
  keys.delete(key)
  if (keys.size === 0) index.delete(id)
}
