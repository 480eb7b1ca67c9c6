// Verifies API keys for gateways: the hottest path in the system. A key seen recently is answered
// from memory, without the database. This class owns that cache. Its one invalidation path cannot
// be forgotten by a service: the database announces `keys:<organization>` for any write that
// alters a verification answer (a key revoked, re-dated or deleted, a subscription made or ended,
// an environment renamed or deleted, an application or organization deleted; migration 0008),
// which the transaction helper hands to this instance just before answering and NOTIFY to every
// other. Expiry needs no event: it is checked against the clock at every verification. Entries
// also age out after a minute, and all go when the listener reports a gap; a lookup that raced an
// invalidation is not kept. `lastUsedAt` is recorded in batches, at most once a minute per key.
import { hashApiKey, parseApiKey } from '../../domain/api-keys.ts'
import { ACCESS_CHANNEL, type AccessChange, parseAccessChange } from '../../store/access-changes.ts'
import {
  findKeyForVerification,
  type KeyVerificationFacts,
  recordKeysUsed,
} from '../../store/api-keys.repository.ts'
import type { Database } from '../../store/database.ts'
import type { Clock } from '../clock.ts'

export type Verification =
  | { valid: true; organizationId: string; applicationId: string; environment: string; keyId: string }
  | { valid: false; code: 'unknown' | 'revoked' | 'expired' | 'not_subscribed' }

interface CachedKey {
  facts: KeyVerificationFacts
  subscribed: ReadonlySet<string>
  cachedAt: number
}

export class KeyVerifier {
  readonly #database: Database
  readonly #clock: Clock
  readonly #ttlMs: number
  readonly #usePeriodMs: number
  readonly #cache = new Map<string, CachedKey>()
  readonly #keysOfOrganization = new Map<string, Set<string>>()
  readonly #lastRecordedUse = new Map<string, number>()
  #generation = 0
  #pendingUses = new Map<string, { organizationId: string; keyId: string; at: Date }>()
  #stopListening: (() => Promise<void>) | undefined
  #flushTimer: NodeJS.Timeout | undefined

  constructor(options: { database: Database; clock: Clock; ttlMs?: number; usePeriodMs?: number }) {
    this.#database = options.database
    this.#clock = options.clock
    this.#ttlMs = options.ttlMs ?? 60_000
    this.#usePeriodMs = options.usePeriodMs ?? 60_000
  }

  async start(): Promise<void> {
    this.#stopListening = await this.#database.listen(
      ACCESS_CHANNEL,
      (key) => this.forget([parseAccessChange(key)]),
      () => this.clear(),
    )
    this.#flushTimer = setInterval(() => void this.flushUses().catch(() => {}), this.#usePeriodMs)
    this.#flushTimer.unref()
  }

  async stop(): Promise<void> {
    clearInterval(this.#flushTimer)
    await this.#stopListening?.()
    await this.flushUses().catch(() => {})
  }

  /** Answered synchronously from the cache when it can be (no promise on the hot path); a miss looks the key up. */
  verify(key: string, apiId?: string): Verification | Promise<Verification> {
    // Garbage (wrong shape, bad checksum, non-ASCII) is answered without touching the database.
    if (!parseApiKey(key)) return { valid: false, code: 'unknown' }
    const now = this.#clock.now().getTime()
    const hash = hashApiKey(key)
    const cached = this.#cache.get(hash)
    if (cached && now - cached.cachedAt < this.#ttlMs) return this.#answer(cached, apiId, now)
    return this.#load(hash, apiId, now)
  }

  async #load(hash: string, apiId: string | undefined, now: number): Promise<Verification> {
    const generation = this.#generation
    const facts = await findKeyForVerification(this.#database.db, hash)
    if (!facts) return { valid: false, code: 'unknown' }
    const cached = { facts, subscribed: new Set(facts.subscribedApiIds), cachedAt: now }
    this.#remember(hash, cached, generation)
    return this.#answer(cached, apiId, now)
  }

  #answer(cached: CachedKey, apiId: string | undefined, now: number): Verification {
    const { facts } = cached
    if (facts.revokedAt && facts.revokedAt.getTime() <= now) return { valid: false, code: 'revoked' }
    if (facts.expiresAt && facts.expiresAt.getTime() <= now) return { valid: false, code: 'expired' }
    if (apiId !== undefined && !cached.subscribed.has(apiId)) return { valid: false, code: 'not_subscribed' }
    this.#noteUse(facts, now)
    return {
      valid: true,
      organizationId: facts.organizationId,
      applicationId: facts.applicationId,
      environment: facts.environment,
      keyId: facts.keyId,
    }
  }

  /** Drops what the announced changes may have made wrong; who-may-act changes are not its concern. */
  forget(changes: readonly AccessChange[]): void {
    if (changes.some((change) => change.kind === 'all')) {
      this.clear()
      return
    }
    for (const change of changes) {
      if (change.kind !== 'keys') continue
      this.#generation++
      for (const hash of this.#keysOfOrganization.get(change.id) ?? []) this.#cache.delete(hash)
      this.#keysOfOrganization.delete(change.id)
    }
  }

  clear(): void {
    this.#generation++
    this.#cache.clear()
    this.#keysOfOrganization.clear()
  }

  /** Writes the uses noted since the last flush, in one statement. */
  async flushUses(): Promise<void> {
    if (this.#pendingUses.size === 0) return
    const uses = [...this.#pendingUses.values()]
    this.#pendingUses = new Map()
    await recordKeysUsed(this.#database.db, uses)
  }

  #remember(hash: string, cached: CachedKey, generation: number): void {
    // A lookup that raced an invalidation may hold what it was about (a revoked key): not kept.
    if (generation !== this.#generation) return
    // Bounded: a flood of distinct valid keys cannot grow memory without end.
    if (this.#cache.size >= 100_000) this.clear()
    this.#cache.set(hash, cached)
    const keys = this.#keysOfOrganization.get(cached.facts.organizationId) ?? new Set<string>()
    keys.add(hash)
    this.#keysOfOrganization.set(cached.facts.organizationId, keys)
  }

  #noteUse(facts: KeyVerificationFacts, now: number): void {
    const last = this.#lastRecordedUse.get(facts.keyId)
    if (last !== undefined && now - last < this.#usePeriodMs) return
    this.#lastRecordedUse.set(facts.keyId, now)
    if (this.#lastRecordedUse.size > 100_000) this.#lastRecordedUse.clear()
    this.#pendingUses.set(facts.keyId, {
      organizationId: facts.organizationId,
      keyId: facts.keyId,
      at: new Date(now),
    })
  }
}
