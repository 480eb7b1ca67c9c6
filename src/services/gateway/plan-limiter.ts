// Plan limits on every instance together, without a server of their own: each instance counts what
// it lets through in memory and, every `syncMs` (500 ms), adds that to a shared counter in the
// database and reads back the total, which includes every other instance's flushed requests.
// An instance therefore decides from what it let through itself (exactly) plus the others' requests
// up to its last sync; what it has not seen of another instance is that instance's traffic since
// that instance's last flush before our last sync: at most 2 × syncMs = 1 s. So in any window a
// limit of N lets through at most N + (instances × 1 s of the application's traffic) (API.md
// "Plans, rate limits and usage"; README, *Plans and rate limits*, for the measured figure).
// The first request of an application and API this instance has not counted lately waits for one
// read of the shared counter; a window that rolls over while this instance is counting starts
// from zero without waiting (the next sync, within syncMs, adds what others counted meanwhile).

import type { Spent } from '../../domain/key-access.ts'
import { type LimitWindow, limitOf, type PlanLimits, windowStart } from '../../domain/plans.ts'
import type { Executor } from '../../store/executor.ts'
import { addToCounters, type CounterKey, sweepCounters } from '../../store/plan-counters.repository.ts'
import type { Clock } from '../clock.ts'

interface Series {
  organizationId: string
  applicationId: string
  apiId: string
  window: LimitWindow
  /** The window counted now (ms). */
  start: number
  /** The total of the shared counter at the last sync. */
  shared: number
  /** Let through here since the last flush began. */
  local: number
  /** Let through here and being added by the flush under way. */
  inFlight: number
  /** Whether `shared` was read for this window (or the window began while this instance counted). */
  loaded: boolean
  loading: Promise<void> | undefined
  lastUsed: number
  lastSynced: number
}

type Windows = Partial<Record<LimitWindow, Series>>

const WINDOWS: readonly LimitWindow[] = ['minute', 'day']
const FORGET_AFTER_MS = 120_000
const SWEEP_EVERY_MS = 60_000

export class PlanLimiter {
  readonly #db: Executor
  readonly #clock: Clock
  readonly #syncMs: number
  /** Keyed by application and API: the series of each limited window. */
  readonly #series = new Map<string, Windows>()
  /** The last windows looked up, by the very strings asked with (the hot path asks for one pair). */
  #last: { applicationId: string; apiId: string; windows: Windows } | undefined
  /** Counts of windows that ended with requests not yet added to the shared counter. */
  #retired: (CounterKey & { add: number })[] = []
  #timer: NodeJS.Timeout | undefined
  #syncing: Promise<void> | undefined
  #lastSweep = 0

  constructor(options: { db: Executor; clock: Clock; syncMs?: number }) {
    this.#db = options.db
    this.#clock = options.clock
    this.#syncMs = options.syncMs ?? 500
  }

  start(): void {
    // A sync still under way (a slow database) is not queued behind again.
    this.#timer = setInterval(() => {
      if (!this.#syncing) void this.sync().catch(() => {})
    }, this.#syncMs)
    this.#timer.unref()
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer)
    await this.sync().catch(() => {})
  }

  /** Requests counted in the current windows, or undefined when a limited window needs `load` first. */
  spent(applicationId: string, apiId: string, plan: PlanLimits, now: number): Spent | undefined {
    let minute = 0
    let day = 0
    for (const window of WINDOWS) {
      if (limitOf(plan, window) === null) continue
      const series = this.#current(applicationId, apiId, window, now)
      if (!series?.loaded) return undefined
      const count = series.shared + series.local + series.inFlight
      if (window === 'minute') minute = count
      else day = count
    }
    return { minute, day }
  }

  /** Reads the shared counters this decision needs. */
  async load(
    organizationId: string,
    applicationId: string,
    apiId: string,
    plan: PlanLimits,
    now: number,
  ): Promise<void> {
    const waits: Promise<void>[] = []
    for (const window of WINDOWS) {
      if (limitOf(plan, window) === null) continue
      let series = this.#current(applicationId, apiId, window, now)
      if (!series) {
        series = {
          organizationId,
          applicationId,
          apiId,
          window,
          start: windowStart(window, now),
          shared: 0,
          local: 0,
          inFlight: 0,
          loaded: false,
          loading: undefined,
          lastUsed: now,
          lastSynced: 0,
        }
        this.#windowsOf(applicationId, apiId, true)[window] = series
      }
      if (series.loaded) continue
      const loading = series
      const start = loading.start
      loading.loading ??= addToCounters(this.#db, [{ ...this.#counterKey(loading), add: 0 }]).then(
        ([total]) => {
          loading.loading = undefined
          if (loading.start !== start) return
          loading.shared = total ?? 0
          loading.loaded = true
          loading.lastSynced = this.#clock.now().getTime()
        },
        (error: unknown) => {
          loading.loading = undefined
          throw error
        },
      )
      waits.push(loading.loading)
    }
    await Promise.all(waits)
  }

  /** Counts one request let through. */
  spend(applicationId: string, apiId: string, plan: PlanLimits, now: number): void {
    for (const window of WINDOWS) {
      if (limitOf(plan, window) === null) continue
      const series = this.#current(applicationId, apiId, window, now)
      if (!series) continue
      series.local++
      series.lastUsed = now
    }
  }

  /** Adds what this instance let through to the shared counters and reads back their totals. */
  sync(): Promise<void> {
    // After the one under way, so that everything counted before this call is in it.
    const run = (this.#syncing ?? Promise.resolve()).catch(() => {}).then(() => this.#sync())
    const tracked = run.finally(() => {
      if (this.#syncing === tracked) this.#syncing = undefined
    })
    this.#syncing = tracked
    return run
  }

  async #sync(): Promise<void> {
    const now = this.#clock.now().getTime()
    const retired = this.#retired
    this.#retired = []
    const live: { series: Series; start: number; add: number }[] = []
    for (const [key, windows] of this.#series) {
      for (const window of WINDOWS) {
        const series = windows[window]
        if (!series) continue
        this.#roll(series, now)
        if (!series.loaded) continue
        if (now - series.lastUsed > FORGET_AFTER_MS && series.local === 0 && series.inFlight === 0) {
          delete windows[window]
          continue
        }
        live.push({ series, start: series.start, add: series.local })
        series.inFlight += series.local
        series.local = 0
      }
      if (!windows.minute && !windows.day) {
        this.#series.delete(key)
        if (this.#last?.windows === windows) this.#last = undefined
      }
    }
    if (retired.length === 0 && live.length === 0) return
    const items = [...retired, ...live.map(({ series, add }) => ({ ...this.#counterKey(series), add }))]
    let totals: number[]
    try {
      totals = await addToCounters(this.#db, items)
    } catch (error) {
      // Nothing is lost: the counts go out with the next sync.
      this.#retired.push(...retired)
      for (const { series, start, add } of live) {
        if (series.start === start) {
          series.inFlight -= add
          series.local += add
        } else if (add > 0)
          this.#retired.push({ ...this.#counterKey(series), windowStart: new Date(start), add })
      }
      throw error
    }
    const synced = this.#clock.now().getTime()
    live.forEach(({ series, start, add }, index) => {
      if (series.start !== start) return
      series.inFlight -= add
      series.shared = totals[retired.length + index] ?? series.shared
      series.lastSynced = synced
    })
    if (now - this.#lastSweep >= SWEEP_EVERY_MS) {
      this.#lastSweep = now
      await sweepCounters(this.#db, {
        minute: new Date(windowStart('minute', now) - 120_000),
        day: new Date(windowStart('day', now) - 2 * 86_400_000),
      })
    }
  }

  /** The series of this window, rolled over to the window that holds `now`. */
  #current(applicationId: string, apiId: string, window: LimitWindow, now: number): Series | undefined {
    const series = this.#windowsOf(applicationId, apiId, false)?.[window]
    if (series) this.#roll(series, now)
    return series
  }

  #windowsOf(applicationId: string, apiId: string, create: true): Windows
  #windowsOf(applicationId: string, apiId: string, create: false): Windows | undefined
  #windowsOf(applicationId: string, apiId: string, create: boolean): Windows | undefined {
    const last = this.#last
    if (last && last.applicationId === applicationId && last.apiId === apiId) return last.windows
    // An application's id names its organization too.
    const key = `${applicationId}|${apiId}`
    let windows = this.#series.get(key)
    if (!windows && create) {
      windows = {}
      this.#series.set(key, windows)
    }
    if (windows) this.#last = { applicationId, apiId, windows }
    return windows
  }

  #roll(series: Series, now: number): void {
    const start = windowStart(series.window, now)
    if (start <= series.start) return
    if (series.local > 0) this.#retired.push({ ...this.#counterKey(series), add: series.local })
    // Counted here until lately: the new window starts from zero and the next sync adds the others'.
    series.loaded = series.loaded && now - series.lastSynced < 4 * this.#syncMs
    series.start = start
    series.shared = 0
    series.local = 0
    series.inFlight = 0
  }

  #counterKey(series: Series): CounterKey {
    return {
      organizationId: series.organizationId,
      applicationId: series.applicationId,
      apiId: series.apiId,
      window: series.window,
      windowStart: new Date(series.start),
    }
  }
}
