// The rules every cache the database invalidates shares (services/announced-cache.ts): tags, the
// kinds of announcement a cache depends on, ageing, the bound, and raced loads. The session
// cache's own keys and tags are tested in session-cache.test.ts.
import { describe, expect, it } from 'vitest'
import { AnnouncedCache } from '../../src/services/announced-cache.ts'
import { TestClock } from '../helpers/clock.ts'

function keysCache() {
  const clock = new TestClock(Date.parse('2026-11-24T12:00:00Z'))
  const cache = new AnnouncedCache<string>({ clock, kinds: ['keys'] })
  const g = cache.generation
  cache.set('key-1', 'one', ['keys:org-1'], g)
  cache.set('key-2', 'two', ['keys:org-1'], g)
  cache.set('key-3', 'three', ['keys:org-2'], g)
  return { cache, clock, now: () => clock.now().getTime() }
}

describe('AnnouncedCache', () => {
  it('drops every entry tagged with an announced key, and only those', () => {
    const { cache, now } = keysCache()
    cache.forget([{ kind: 'keys', id: 'org-1' }])
    expect([cache.get('key-1', now()), cache.get('key-2', now()), cache.get('key-3', now())]).toEqual([
      undefined,
      undefined,
      'three',
    ])
    expect(cache.size).toBe(1)
  })

  it('drops an entry with several tags when any one of them is announced', () => {
    const clock = new TestClock()
    const cache = new AnnouncedCache<string>({ clock, kinds: ['user', 'organization'] })
    cache.set('m ada org-1', 'member', ['user:ada', 'organization:org-1'], cache.generation)
    cache.forget([{ kind: 'organization', id: 'org-1' }])
    expect(cache.get('m ada org-1', clock.now().getTime())).toBeUndefined()
    cache.set('m ada org-1', 'member', ['user:ada', 'organization:org-1'], cache.generation)
    cache.forget([{ kind: 'user', id: 'ada' }])
    expect(cache.size).toBe(0)
  })

  it('ignores announcements of kinds it does not depend on: nothing dropped, no load refused', () => {
    const { cache, now } = keysCache()
    const before = cache.generation
    cache.forget([
      { kind: 'user', id: 'org-1' },
      { kind: 'organization', id: 'org-1' },
    ])
    expect(cache.generation).toBe(before)
    expect(cache.size).toBe(3)
    cache.set('key-4', 'four', ['keys:org-3'], before)
    expect(cache.get('key-4', now())).toBe('four')
  })

  it('clears on "all", whatever kinds it depends on', () => {
    const { cache } = keysCache()
    cache.forget([{ kind: 'all' }])
    expect(cache.size).toBe(0)
  })

  it('does not keep a load that raced a relevant announcement', () => {
    const { cache, now } = keysCache()
    const before = cache.generation
    cache.forget([{ kind: 'keys', id: 'org-9' }])
    cache.set('key-9', 'raced', ['keys:org-9'], before)
    expect(cache.get('key-9', now())).toBeUndefined()
  })

  it('ages entries out after its time to live, and stays within its bound', () => {
    const clock = new TestClock()
    const cache = new AnnouncedCache<string>({ clock, kinds: ['keys'], ttlMs: 1_000, maxEntries: 2 })
    cache.set('a', 'a', ['keys:o'], cache.generation)
    clock.advance(999)
    expect(cache.get('a', clock.now().getTime())).toBe('a')
    clock.advance(1)
    expect(cache.get('a', clock.now().getTime())).toBeUndefined()
    for (const key of ['b', 'c', 'd']) cache.set(key, key, ['keys:o'], cache.generation)
    expect(cache.size).toBe(1)
    expect(cache.get('d', clock.now().getTime())).toBe('d')
  })
})
