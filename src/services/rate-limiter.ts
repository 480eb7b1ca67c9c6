// Fixed-window counters kept in this process. Each instance counts on its own, so behind N
// instances a client gets up to N times the limit; per-account limits are meant to stop guessing,
// which that still does.

import { DomainError } from '../domain/errors.ts'
import type { Clock } from './clock.ts'

interface Window {
  startedAt: number
  count: number
}

export class RateLimiter {
  readonly #limit: number
  readonly #windowMs: number
  readonly #clock: Clock
  readonly #windows = new Map<string, Window>()

  constructor(options: { limit: number; windowMs: number; clock: Clock }) {
    this.#limit = options.limit
    this.#windowMs = options.windowMs
    this.#clock = options.clock
  }

  /** Seconds until `key` may act again, or 0 when it may act now (without counting). */
  retryAfter(key: string): number {
    const now = this.#clock.now().getTime()
    const window = this.#windows.get(key)
    if (!window || now - window.startedAt >= this.#windowMs || window.count < this.#limit) return 0
    return Math.max(1, Math.ceil((window.startedAt + this.#windowMs - now) / 1000))
  }

  /** Counts one action of `key`. */
  hit(key: string): void {
    const now = this.#clock.now().getTime()
    const window = this.#windows.get(key)
    if (!window || now - window.startedAt >= this.#windowMs) {
      if (this.#windows.size >= 100_000) this.#prune(now)
      this.#windows.set(key, { startedAt: now, count: 1 })
    } else {
      window.count++
    }
  }

  /**
   * Counts one action, or throws rate_limited when `key` has used up its window. Check and count
   * are one synchronous step, so concurrent callers can never take more than the limit between
   * them: take before the costly work, `refund` if it turns out not to count.
   */
  take(key: string): void {
    this.refuseIfExhausted(key)
    this.hit(key)
  }

  refuseIfExhausted(key: string): void {
    const retryAfterSeconds = this.retryAfter(key)
    if (retryAfterSeconds > 0) {
      throw new DomainError('rate_limited', `too many attempts; try again in ${retryAfterSeconds} s`, {
        retryAfterSeconds,
      })
    }
  }

  /** Gives back one action taken in the current window (an attempt that succeeded, say). */
  refund(key: string): void {
    const window = this.#windows.get(key)
    if (window && window.count > 0 && this.#clock.now().getTime() - window.startedAt < this.#windowMs) {
      window.count--
    }
  }

  reset(key: string): void {
    this.#windows.delete(key)
  }

  #prune(now: number): void {
    for (const [key, window] of this.#windows) {
      if (now - window.startedAt >= this.#windowMs) this.#windows.delete(key)
    }
  }
}
