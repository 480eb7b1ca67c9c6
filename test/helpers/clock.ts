// A clock tests move by hand, so expiry is tested without sleeping.
import type { Clock } from '../../src/services/clock.ts'

export class TestClock implements Clock {
  #now: number

  constructor(start = Date.now()) {
    this.#now = start
  }

  now(): Date {
    return new Date(this.#now)
  }

  advance(ms: number): void {
    this.#now += ms
  }
}
