// Usage counts per application, API, key, hour and outcome (API.md "Plans, rate limits and usage"):
// counted in memory on the verification path (never a database write per call) and added to the
// database in batches every `flushMs` (5 s), so what an application reads is at most one flush
// behind, and exact once flushed: a failed batch is kept and goes out with the next one. Hourly rows
// older than 90 days are rolled into daily ones, once an hour, by one instance at a time.
import type { KeyAccess } from '../../domain/key-access.ts'
import type { Database } from '../../store/database.ts'
import { addUsage, rollUpUsage, type UsageCount } from '../../store/usage.repository.ts'
import type { Clock } from '../clock.ts'

export type UsageOutcome =
  | 'allowed'
  | 'rate_limited'
  | 'not_subscribed'
  | 'revoked'
  | 'expired'
  | 'wrong_environment'

const HOUR_MS = 3_600_000
const DAY_MS = 86_400_000
export const HOURLY_RETENTION_DAYS = 90
const BATCH_ROWS = 1000

export class UsageRecorder {
  readonly #database: Database
  readonly #clock: Clock
  readonly #flushMs: number
  #pending = new Map<string, UsageCount>()
  #timer: NodeJS.Timeout | undefined
  #rollUpTimer: NodeJS.Timeout | undefined
  #flushing: Promise<void> | undefined

  constructor(options: { database: Database; clock: Clock; flushMs?: number }) {
    this.#database = options.database
    this.#clock = options.clock
    this.#flushMs = options.flushMs ?? 5_000
  }

  start(): void {
    this.#timer = setInterval(() => {
      if (!this.#flushing) void this.flush().catch(() => {})
    }, this.#flushMs)
    this.#timer.unref()
    this.#rollUpTimer = setInterval(() => void this.rollUp().catch(() => {}), HOUR_MS)
    this.#rollUpTimer.unref()
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer)
    clearInterval(this.#rollUpTimer)
    await this.flush().catch(() => {})
  }

  /** Counts one decision, when its key names an application and it is not about a path no API serves. */
  record(access: KeyAccess, now: number): void {
    const key = access.key
    if (!key) return
    let outcome: UsageOutcome
    let apiId: string | null
    if (access.ok) {
      outcome = 'allowed'
      apiId = access.apiId ?? null
    } else {
      if (access.code === 'unknown' || access.code === 'no_api') return
      outcome = access.code
      apiId = access.apiId
    }
    const hour = now - (now % HOUR_MS)
    const id = `${key.keyId}|${apiId ?? ''}|${outcome}|${hour}`
    const counted = this.#pending.get(id)
    if (counted) counted.count++
    else {
      this.#pending.set(id, {
        organizationId: key.organizationId,
        applicationId: key.applicationId,
        apiId,
        keyId: key.keyId,
        outcome,
        hour: new Date(hour),
        count: 1,
      })
    }
  }

  /** Adds the counts made since the last flush; a failed batch is merged back for the next one. */
  flush(): Promise<void> {
    // After the one under way, so that everything counted before this call is in it.
    const run = (this.#flushing ?? Promise.resolve()).catch(() => {}).then(() => this.#flush())
    const tracked = run.finally(() => {
      if (this.#flushing === tracked) this.#flushing = undefined
    })
    this.#flushing = tracked
    return run
  }

  async #flush(): Promise<void> {
    if (this.#pending.size === 0) return
    const batch = [...this.#pending.values()]
    this.#pending = new Map()
    for (let first = 0; first < batch.length; first += BATCH_ROWS) {
      const rows = batch.slice(first, first + BATCH_ROWS)
      try {
        await addUsage(this.#database.db, rows)
      } catch (error) {
        for (const row of batch.slice(first)) {
          const id = `${row.keyId}|${row.apiId ?? ''}|${row.outcome}|${row.hour.getTime()}`
          const counted = this.#pending.get(id)
          if (counted) counted.count += row.count
          else this.#pending.set(id, row)
        }
        throw error
      }
    }
  }

  /** Rolls hourly counts older than the retention into daily ones (whole UTC days). */
  async rollUp(): Promise<void> {
    const now = this.#clock.now().getTime()
    const cutoff = now - HOURLY_RETENTION_DAYS * DAY_MS
    const before = new Date(cutoff - (cutoff % DAY_MS))
    // A background job, not a service call: it changes nothing any cache depends on.
    await this.#database.db.transaction().execute((db) => rollUpUsage(db, before))
  }
}
