// Verifies API keys for gateways: the hottest path in the system. `verify` (POST /v1/keys/verify)
// and `authorize` (GET /v1/gateway/authorize) gather the facts and ask the one decision,
// domain/key-access.ts. A key seen recently, and the paths of its organization's APIs, are answered
// from memory, without the database. This class owns both caches. Their one invalidation path
// cannot be forgotten by a service: the database announces `keys:<organization>` for any write that
// alters an answer (a key revoked, re-dated or deleted, a subscription made, ended or moved to
// another plan, an environment renamed or deleted, an application or organization deleted, an API
// published, deprecated, re-pathed or deleted, a plan changed; migrations 0008 and 0016; see
// ../announced-cache.ts). Expiry needs no event: it is checked against the clock at every
// verification. Plan limits are counted by the PlanLimiter, outcomes by the UsageRecorder, both in
// memory; `lastUsedAt` is recorded in batches, at most once a minute per key.
import { API_KEY_MAX_LENGTH, hashApiKey, parseApiKey } from '../../domain/api-keys.ts'
import { ApiPathIndex, pathOfUri } from '../../domain/api-paths.ts'
import {
  decideKeyAccess,
  type KeyAccess,
  type KeyAccessRequest,
  type KeyFacts,
} from '../../domain/key-access.ts'
import { isLimited } from '../../domain/plans.ts'
import { type AccessChange, announcedKey } from '../../store/access-changes.ts'
import { findKeyForVerification, recordKeysUsed } from '../../store/api-keys.repository.ts'
import { listServedApis } from '../../store/apis.repository.ts'
import type { Database } from '../../store/database.ts'
import { AnnouncedCache } from '../announced-cache.ts'
import type { Clock } from '../clock.ts'
import { PlanLimiter } from '../gateway/plan-limiter.ts'
import { UsageRecorder } from '../gateway/usage-recorder.ts'

/** What a gateway says about the request it guards (API.md "Gateways"). */
export interface GuardedRequest {
  /** The client's key, as sent; undefined when none was. */
  key: string | undefined
  /** The original request's URI. */
  uri: string | undefined
  /** The environment the gateway serves. */
  environment: string | undefined
}

export type GatewayAccess = KeyAccess | { ok: false; code: 'key_missing'; key: undefined; apiId: null }

type ServedApis = ApiPathIndex<{ id: string }>

/**
 * The hash a key is cached and stored under, or undefined for a text too long to be a key. A key
 * in the cache is found by its hash before its text is parsed: it was well-formed when loaded, and
 * the same hash is the same text. The checksum is checked before the database is asked.
 */
function hashOf(key: string): string | undefined {
  return key.length > API_KEY_MAX_LENGTH ? undefined : hashApiKey(key)
}

export class KeyVerifier {
  readonly #database: Database
  readonly #clock: Clock
  readonly #usePeriodMs: number
  /** Keyed by key hash, tagged with the key's organization. */
  readonly #keys: AnnouncedCache<KeyFacts>
  /** Keyed and tagged by organization: the paths its gateways route to. */
  readonly #apis: AnnouncedCache<ServedApis>
  readonly limiter: PlanLimiter
  readonly usage: UsageRecorder
  readonly #lastRecordedUse = new Map<string, number>()
  #pendingUses = new Map<string, { organizationId: string; keyId: string; at: Date }>()
  #flushTimer: NodeJS.Timeout | undefined

  constructor(options: {
    database: Database
    clock: Clock
    ttlMs?: number
    usePeriodMs?: number
    limitSyncMs?: number
    usageFlushMs?: number
  }) {
    this.#database = options.database
    this.#clock = options.clock
    this.#keys = new AnnouncedCache({ clock: options.clock, kinds: ['keys'], ttlMs: options.ttlMs })
    this.#apis = new AnnouncedCache({ clock: options.clock, kinds: ['keys'], ttlMs: options.ttlMs })
    this.#usePeriodMs = options.usePeriodMs ?? 60_000
    this.limiter = new PlanLimiter({
      db: options.database.db,
      clock: options.clock,
      syncMs: options.limitSyncMs,
    })
    this.usage = new UsageRecorder({
      database: options.database,
      clock: options.clock,
      flushMs: options.usageFlushMs,
    })
  }

  async start(): Promise<void> {
    await this.#keys.start(this.#database)
    await this.#apis.start(this.#database)
    this.limiter.start()
    this.usage.start()
    this.#flushTimer = setInterval(() => void this.flushUses().catch(() => {}), this.#usePeriodMs)
    this.#flushTimer.unref()
  }

  async stop(): Promise<void> {
    clearInterval(this.#flushTimer)
    await this.#keys.stop()
    await this.#apis.stop()
    await this.limiter.stop()
    await this.usage.stop()
    await this.flushUses().catch(() => {})
  }

  /**
   * POST /v1/keys/verify: the key, and with `apiId` its subscription and plan (spending the plan's
   * budget). Answered synchronously from memory when it can be (no promise on the hot path).
   */
  verify(
    key: string,
    request: { apiId?: string; environment?: string } = {},
  ): KeyAccess | Promise<KeyAccess> {
    const access: KeyAccessRequest = {
      api: request.apiId === undefined ? undefined : { id: request.apiId },
      environment: request.environment,
    }
    const now = this.#clock.now().getTime()
    const hash = hashOf(key)
    const facts = hash === undefined ? undefined : this.#keys.get(hash, now)
    if (facts) return this.#decide(facts, access, now)
    const parsed = parseApiKey(key)
    if (!parsed || hash === undefined) return decideKeyAccess(undefined, access, 0)
    return this.#loadKey(hash, parsed.environment).then((loaded) => this.#decide(loaded, access, now))
  }

  /** GET /v1/gateway/authorize: the same decision, the API chosen by the original request's path. */
  authorize(request: GuardedRequest): GatewayAccess | Promise<GatewayAccess> {
    if (request.key === undefined) return { ok: false, code: 'key_missing', key: undefined, apiId: null }
    const environment = request.environment
    const now = this.#clock.now().getTime()
    const hash = hashOf(request.key)
    const facts = hash === undefined ? undefined : this.#keys.get(hash, now)
    const apis = facts && this.#apis.get(facts.organizationId, now)
    if (facts && apis) return this.#decide(facts, this.#pathRequest(apis, request), now)
    const parsed = parseApiKey(request.key)
    if (!parsed || hash === undefined) return decideKeyAccess(undefined, { environment }, 0)
    return this.#authorizeFromDatabase(hash, parsed.environment, request, now)
  }

  async #authorizeFromDatabase(
    hash: string,
    issuedEnvironment: string,
    request: GuardedRequest,
    now: number,
  ): Promise<GatewayAccess> {
    const facts = this.#keys.get(hash, now) ?? (await this.#loadKey(hash, issuedEnvironment))
    if (!facts) return decideKeyAccess(undefined, { environment: request.environment }, now)
    const apis = this.#apis.get(facts.organizationId, now) ?? (await this.#loadApis(facts.organizationId))
    return this.#decide(facts, this.#pathRequest(apis, request), now)
  }

  #pathRequest(apis: ServedApis, request: GuardedRequest): KeyAccessRequest {
    return { api: { id: apis.match(pathOfUri(request.uri))?.id }, environment: request.environment }
  }

  /** `issuedEnvironment`: the environment the key's own text names (its hash names the same key). */
  async #loadKey(hash: string, issuedEnvironment: string): Promise<KeyFacts | undefined> {
    const generation = this.#keys.generation
    const row = await findKeyForVerification(this.#database.db, hash)
    if (!row) return undefined
    const facts: KeyFacts = {
      organizationId: row.organizationId,
      applicationId: row.applicationId,
      keyId: row.keyId,
      environment: row.environment,
      issuedEnvironment,
      expiresAt: row.expiresAt?.getTime() ?? null,
      revokedAt: row.revokedAt?.getTime() ?? null,
      subscriptions: new Map(
        row.subscriptions.map((subscription) => [
          subscription.apiId,
          { requestsPerMinute: subscription.requestsPerMinute, requestsPerDay: subscription.requestsPerDay },
        ]),
      ),
    }
    this.#keys.set(hash, facts, [announcedKey({ kind: 'keys', id: facts.organizationId })], generation)
    return facts
  }

  async #loadApis(organizationId: string): Promise<ServedApis> {
    const generation = this.#apis.generation
    const apis = new ApiPathIndex(await listServedApis(this.#database.db, organizationId))
    this.#apis.set(organizationId, apis, [announcedKey({ kind: 'keys', id: organizationId })], generation)
    return apis
  }

  /** Asks the decision, reading the plan's shared counters first when this instance has not lately. */
  #decide(
    facts: KeyFacts | undefined,
    request: KeyAccessRequest,
    now: number,
  ): KeyAccess | Promise<KeyAccess> {
    const apiId = request.api?.id
    const plan = facts && apiId !== undefined ? facts.subscriptions.get(apiId) : undefined
    if (facts && apiId !== undefined && plan && isLimited(plan)) {
      const spent = this.limiter.spent(facts.applicationId, apiId, plan, now)
      if (!spent) {
        return this.limiter
          .load(facts.organizationId, facts.applicationId, apiId, plan, now)
          .then(() => this.#decide(facts, request, now))
      }
      return this.#answer(decideKeyAccess(facts, request, now, spent), now)
    }
    return this.#answer(decideKeyAccess(facts, request, now), now)
  }

  #answer(access: KeyAccess, now: number): KeyAccess {
    if (access.ok) {
      if (access.plan && access.apiId !== undefined) {
        this.limiter.spend(access.key.applicationId, access.apiId, access.plan, now)
      }
      this.#noteUse(access.key, now)
    }
    this.usage.record(access, now)
    return access
  }

  /** Drops what the announced changes may have made wrong; who-may-act changes are not its concern. */
  forget(changes: readonly AccessChange[]): void {
    this.#keys.forget(changes)
    this.#apis.forget(changes)
  }

  clear(): void {
    this.#keys.clear()
    this.#apis.clear()
  }

  /** Writes the uses noted since the last flush, in one statement. */
  async flushUses(): Promise<void> {
    if (this.#pendingUses.size === 0) return
    const uses = [...this.#pendingUses.values()]
    this.#pendingUses = new Map()
    await recordKeysUsed(this.#database.db, uses)
  }

  #noteUse(facts: KeyFacts, now: number): void {
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
