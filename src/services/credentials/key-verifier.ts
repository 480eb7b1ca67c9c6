// Verifies API keys for gateways: the hottest path in the system. A key seen recently is answered
// from memory, without the database. This class owns that cache; it has one invalidation path:
// a NOTIFY on KEY_CACHE_CHANNEL naming an organization, sent in the transaction of any change that
// alters a verification answer (revoke, rotate, application or subscription deleted, subscription
// created, environment renamed, organization deleted), drops that organization's entries on every
// instance once the change commits. Expiry needs no event: it is checked against the clock at
// every verification. Entries also age out after a minute, and all go when the listener reports
// a gap; a lookup that raced an invalidation is not kept. `lastUsedAt` is recorded in batches, at most once a minute per key.
import { hashApiKey, parseApiKey } from '../../domain/api-keys.ts'
import {
  findKeyForVerification,
  type KeyVerificationFacts,
  recordKeysUsed,
} from '../../store/api-keys.repository.ts'
import type { Database } from '../../store/database.ts'
import { notify } from '../../store/database.ts'
import type { Clock } from '../clock.ts'
import type { ServiceDependencies } from '../dependencies.ts'
import type { Transaction } from '../transaction.ts'

export const KEY_CACHE_CHANNEL = 'portico_key_cache'

export type Verification =
  | { valid: true; organizationId: string; applicationId: string; environment: string; keyId: string }
  | { valid: false; code: 'unknown' | 'revoked' | 'expired' | 'not_subscribed' }

interface CachedKey {
  facts: KeyVerificationFacts
  subscribed: ReadonlySet<string>
  cachedAt: number
}

/**
 * Tells every instance's verifier that an organization's keys may answer differently once this
 * transaction commits: by NOTIFY to all instances, and directly to this one right after the commit
 * (so the caller's next request sees its own change, without waiting for the notification).
 */
export async function invalidateKeyCache(
  deps: Pick<ServiceDependencies, 'keyCache'>,
  tx: Transaction,
  organizationId: string,
): Promise<void> {
  await notify(tx.db, KEY_CACHE_CHANNEL, organizationId)
  tx.afterCommit(() => deps.keyCache.invalidateOrganization(organizationId))
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
      KEY_CACHE_CHANNEL,
      (organizationId) => this.invalidateOrganization(organizationId),
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

  invalidateOrganization(organizationId: string): void {
    this.#generation++
    for (const hash of this.#keysOfOrganization.get(organizationId) ?? []) this.#cache.delete(hash)
    this.#keysOfOrganization.delete(organizationId)
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
