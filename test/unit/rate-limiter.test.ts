import { describe, expect, it } from 'vitest'
import { DomainError } from '../../src/domain/errors.ts'
import { RateLimiter } from '../../src/services/rate-limiter.ts'
import { TestClock } from '../helpers/clock.ts'

describe('rate limiter', () => {
  it('allows `limit` actions per window and key, then refuses with the seconds left', () => {
    const clock = new TestClock(0)
    const limiter = new RateLimiter({ limit: 3, windowMs: 60_000, clock })
    for (let i = 0; i < 3; i++) limiter.take('a')
    limiter.take('b')
    clock.advance(20_000)
    const refusal = (() => {
      try {
        limiter.take('a')
      } catch (error) {
        return error
      }
    })()
    expect(refusal).toBeInstanceOf(DomainError)
    expect(refusal).toMatchObject({ code: 'rate_limited', details: { retryAfterSeconds: 40 } })
    clock.advance(40_000)
    expect(() => limiter.take('a')).not.toThrow()
  })

  it('forgets a key on reset', () => {
    const limiter = new RateLimiter({ limit: 1, windowMs: 60_000, clock: new TestClock(0) })
    limiter.take('a')
    expect(limiter.retryAfter('a')).toBe(60)
    limiter.reset('a')
    expect(limiter.retryAfter('a')).toBe(0)
  })
})
