// How the console says when a key or an invitation expires and when a key was last used
// (web/src/features/relative-time.ts), at the edges where the unit changes.
import { describe, expect, it } from 'vitest'
import { expiryText, timeAgoText } from '../../web/src/features/relative-time.ts'

const now = Date.parse('2026-03-01T12:00:00Z')
const at = (ms: number) => new Date(now + ms).toISOString()
const minute = 60_000
const hour = 60 * minute

describe('expiryText', () => {
  it.each([
    [-1, 'expired'],
    [0, 'expired'],
    [20_000, 'expires in 1 minute'],
    [58 * minute, 'expires in 58 minutes'],
    [59.6 * minute, 'expires in 60 minutes'],
    [hour, 'expires in 1 hour'],
    [23 * hour, 'expires in 23 hours'],
    [23.5 * hour, 'expires in 1 day'],
    [6.4 * 24 * hour, 'expires in 6 days'],
  ])('%d ms ahead: %s', (ahead, text) => {
    expect(expiryText(at(ahead), now)).toBe(text)
  })
})

describe('timeAgoText', () => {
  it.each([
    [0, 'just now'],
    [59_999, 'just now'],
    [minute, '1 minute ago'],
    [5 * minute, '5 minutes ago'],
    [3 * hour, '3 hours ago'],
    [2 * 24 * hour, '2 days ago'],
  ])('%d ms ago: %s', (ago, text) => {
    expect(timeAgoText(at(-ago), now)).toBe(text)
  })
})
