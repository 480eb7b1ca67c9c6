// Verifies API keys for gateways: the hottest path in the system. A key seen recently is answered
// from memory, without the database. This class owns that cache. Its one invalidation path cannot
// be forgotten by a service: the database announces `keys:<organization>` for any write that
// alters a verification answer (a key revoked, re-dated or deleted, a subscription made or ended,
// an environment renamed or deleted, an application or organization deleted; migration 0008; see
// ../announced-cache.ts). Expiry needs no event: it is checked against the clock at every
// verification. `lastUsedAt` is recorded in batches, at most once a minute per key.
import { hashApiKey, parseApiKey } from '../../domain/api-keys.ts'
import { type AccessChange, announcedKey } from '../../store/access-changes.ts'
import {
  findKeyForVerification,
  type KeyVerificationFacts,
  recordKeysUsed,
} from '../../store/api-keys.repository.ts'
import type { Database } from '../../store/database.ts'
import { AnnouncedCache } from '../announced-cache.ts'
import type { Clock } from '../clock.ts'

export type Verification =
  | { valid: true; organizationId: string; applicationId: string; environment: string; keyId: string }
  | { valid: false; code: 'unknown' | 'revoked' | 'expired' | 'not_subscribed' }

interface CachedKey {
  facts: KeyVerificationFacts
  subscribed: ReadonlySet<string>
}

export class KeyVerifier {
  readonly #database: Database
  readonly #clock: Clock
  readonly #usePeriodMs: number
  /** Keyed by key hash, tagged with the key's organization. */
  readonly #cache: AnnouncedCache<CachedKey>
  readonly #lastRecordedUse = new Map<string, number>()
  #pendingUses = new Map<string, { organizationId: string; keyId: string; at: Date }>()
  #flushTimer: NodeJS.Timeout | undefined

  constructor(options: { database: Database; clock: Clock; ttlMs?: number; usePeriodMs?: number }) {
    this.#database = options.database
    this.#clock = options.clock
    this.#cache = new AnnouncedCache({ clock: options.clock, kinds: ['keys'], ttlMs: options.ttlMs })
    this.#usePeriodMs = options.usePeriodMs ?? 60_000
  }

  async start(): Promise<void> {
    await this.#cache.start(this.#database)
    this.#flushTimer = setInterval(() => void this.flushUses().catch(() => {}), this.#usePeriodMs)
    this.#flushTimer.unref()
  }

  async stop(): Promise<void> {
    clearInterval(this.#flushTimer)
    await this.#cache.stop()
    await this.flushUses().catch(() => {})
  }

  /** Answered synchronously from the cache when it can be (no promise on the hot path); a miss looks the key up. */
  verify(key: string, apiId?: string): Verification | Promise<Verification> {
    // Garbage (wrong shape, bad checksum, non-ASCII) is answered without touching the database.
    if (!parseApiKey(key)) return { valid: false, code: 'unknown' }
    const now = this.#clock.now().getTime()
    const hash = hashApiKey(key)
    const cached = this.#cache.get(hash, now)
    if (cached) return this.#answer(cached, apiId, now)
    return this.#load(hash, apiId, now)
  }

  async #load(hash: string, apiId: string | undefined, now: number): Promise<Verification> {
    const generation = this.#cache.generation
    const facts = await findKeyForVerification(this.#database.db, hash)
    if (!facts) return { valid: false, code: 'unknown' }
    const cached = { facts, subscribed: new Set(facts.subscribedApiIds) }
    this.#cache.set(hash, cached, [announcedKey({ kind: 'keys', id: facts.organizationId })], generation)
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
    this.#cache.forget(changes)
  }

  clear(): void {
    this.#cache.clear()
  }

  /** Writes the uses noted since the last flush, in one statement. */
  async flushUses(): Promise<void> {
    if (this.#pendingUses.size === 0) return
    const uses = [...this.#pendingUses.values()]
    this.#pendingUses = new Map()
    await recordKeysUsed(this.#database.db, uses)
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
