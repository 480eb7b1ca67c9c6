// The session cache's own rules: what each announced change forgets, ageing, the size bound, and
// that a load which raced an invalidation is not kept.
import { describe, expect, it } from 'vitest'
import type { ActorMembership } from '../../src/services/access.ts'
import { membershipOf } from '../../src/services/access.ts'
import { type CachedSession, SessionCache } from '../../src/services/identity/session-cache.ts'
import { TestClock } from '../helpers/clock.ts'

const at = new Date('2026-11-24T12:00:00Z')

function caller(userId: string): CachedSession {
  return {
    session: {
      id: `session-${userId}`,
      userId,
      createdAt: at,
      lastSeenAt: at,
      expiresAt: at,
      activeOrganizationId: null,
    },
    user: { id: userId, email: `${userId}@example.com`, name: userId, emailVerified: true, createdAt: at },
  }
}

function membership(organizationId: string): ActorMembership {
  return membershipOf(
    {
      id: organizationId,
      handle: organizationId,
      name: organizationId,
      logoEtag: null,
      createdBy: null,
      createdAt: at,
    },
    ['member'],
    at,
  )
}

function filled() {
  const clock = new TestClock(at.getTime())
  const cache = new SessionCache({ clock })
  const g = cache.generation
  cache.rememberSession('hash-ada', caller('ada'), g)
  cache.rememberSession('hash-bob', caller('bob'), g)
  cache.rememberMembership('ada', 'org-1', membership('org-1'), g)
  cache.rememberMembership('ada', 'acme', membership('org-1'), g)
  cache.rememberMembership('ada', 'org-2', null, g)
  cache.rememberMembership('bob', 'org-1', membership('org-1'), g)
  cache.rememberMembership('bob', 'org-3', membership('org-3'), g)
  return { cache, clock }
}

describe('SessionCache', () => {
  it('answers what it was given: a session, a membership, and a cached "none" as null', () => {
    const { cache, clock } = filled()
    expect(cache.session('hash-ada', clock.now().getTime())).toEqual(caller('ada'))
    expect(cache.membership('ada', 'org-1', clock.now().getTime())?.organization.id).toBe('org-1')
    expect(cache.membership('ada', 'org-2', clock.now().getTime())).toBeNull()
    expect(cache.membership('ada', 'org-9', clock.now().getTime())).toBeUndefined()
    expect(cache.session('hash-unknown', clock.now().getTime())).toBeUndefined()
  })

  it('keys organization references in any case, as handles are matched', () => {
    const { cache, clock } = filled()
    expect(cache.membership('ada', 'ACME', clock.now().getTime())?.organization.id).toBe('org-1')
  })

  it('forgets a user: their sessions and memberships (also a cached "none"), nobody else', () => {
    const { cache, clock } = filled()
    cache.forget([{ kind: 'user', id: 'ada' }])
    expect(cache.session('hash-ada', clock.now().getTime())).toBeUndefined()
    expect(cache.membership('ada', 'org-1', clock.now().getTime())).toBeUndefined()
    expect(cache.membership('ada', 'acme', clock.now().getTime())).toBeUndefined()
    expect(cache.membership('ada', 'org-2', clock.now().getTime())).toBeUndefined()
    expect(cache.session('hash-bob', clock.now().getTime())).toEqual(caller('bob'))
    expect(cache.membership('bob', 'org-1', clock.now().getTime())?.organization.id).toBe('org-1')
    expect(cache.size).toBe(3)
  })

  it('forgets an organization: every membership in it, by id and by handle, and nothing else', () => {
    const { cache, clock } = filled()
    cache.forget([{ kind: 'organization', id: 'org-1' }])
    expect(cache.membership('ada', 'org-1', clock.now().getTime())).toBeUndefined()
    expect(cache.membership('ada', 'acme', clock.now().getTime())).toBeUndefined()
    expect(cache.membership('bob', 'org-1', clock.now().getTime())).toBeUndefined()
    expect(cache.membership('ada', 'org-2', clock.now().getTime())).toBeNull()
    expect(cache.membership('bob', 'org-3', clock.now().getTime())?.organization.id).toBe('org-3')
    expect(cache.session('hash-ada', clock.now().getTime())).toEqual(caller('ada'))
    expect(cache.size).toBe(4)
  })

  it('forgets everything on "all"', () => {
    const { cache } = filled()
    cache.forget([{ kind: 'user', id: 'nobody' }, { kind: 'all' }])
    expect(cache.size).toBe(0)
  })

  it("keeps its own transaction's update of a session, and forgets the rest of what it announced", () => {
    const { cache, clock } = filled()
    const before = cache.session('hash-ada', clock.now().getTime()) as CachedSession
    const after = { ...before, session: { ...before.session, activeOrganizationId: 'org-9' } }
    cache.forgetKeeping([{ kind: 'user', id: 'ada' }], [{ tokenHash: 'hash-ada', before, after }])
    expect(cache.session('hash-ada', clock.now().getTime())).toBe(after)
    expect(cache.membership('ada', 'org-1', clock.now().getTime())).toBeUndefined()
    // a later announcement (another change, committed after) still drops it
    cache.forget([{ kind: 'user', id: 'ada' }])
    expect(cache.session('hash-ada', clock.now().getTime())).toBeUndefined()
  })

  it('keeps no update of an entry an announcement dropped or replaced since the caller was authenticated', () => {
    const { cache, clock } = filled()
    const before = cache.session('hash-ada', clock.now().getTime()) as CachedSession
    const after = { ...before, session: { ...before.session, activeOrganizationId: 'org-9' } }
    cache.forget([{ kind: 'user', id: 'ada' }])
    cache.forgetKeeping([{ kind: 'user', id: 'ada' }], [{ tokenHash: 'hash-ada', before, after }])
    expect(cache.session('hash-ada', clock.now().getTime())).toBeUndefined()
    const reloaded = caller('ada')
    cache.rememberSession('hash-ada', reloaded, cache.generation)
    cache.forgetKeeping([{ kind: 'user', id: 'ada' }], [{ tokenHash: 'hash-ada', before, after }])
    expect(cache.session('hash-ada', clock.now().getTime())).toBeUndefined()
  })

  it('keeps neither of two updates of one session in one transaction (their order is not known)', () => {
    const { cache, clock } = filled()
    const before = cache.session('hash-ada', clock.now().getTime()) as CachedSession
    const to = (id: string) => ({ ...before, session: { ...before.session, activeOrganizationId: id } })
    cache.forgetKeeping(
      [{ kind: 'user', id: 'ada' }],
      [
        { tokenHash: 'hash-ada', before, after: to('org-8') },
        { tokenHash: 'hash-ada', before, after: to('org-9') },
      ],
    )
    expect(cache.session('hash-ada', clock.now().getTime())).toBeUndefined()
  })

  it('does not keep a load that raced an invalidation', () => {
    const { cache, clock } = filled()
    const before = cache.generation
    // A request read the database, then a change committed and was announced before it stored.
    cache.forget([{ kind: 'user', id: 'carol' }])
    cache.rememberSession('hash-carol', caller('carol'), before)
    cache.rememberMembership('carol', 'org-1', membership('org-1'), before)
    expect(cache.session('hash-carol', clock.now().getTime())).toBeUndefined()
    expect(cache.membership('carol', 'org-1', clock.now().getTime())).toBeUndefined()
    cache.rememberSession('hash-carol', caller('carol'), cache.generation)
    expect(cache.session('hash-carol', clock.now().getTime())).toEqual(caller('carol'))
  })

  it('lets entries age out after a minute', () => {
    const { cache, clock } = filled()
    clock.advance(59_999)
    expect(cache.session('hash-ada', clock.now().getTime())).toEqual(caller('ada'))
    clock.advance(1)
    expect(cache.session('hash-ada', clock.now().getTime())).toBeUndefined()
    expect(cache.membership('bob', 'org-3', clock.now().getTime())).toBeUndefined()
  })

  it('stays within its bound: reaching it starts over rather than growing', () => {
    const clock = new TestClock()
    const cache = new SessionCache({ clock, maxEntries: 3 })
    for (const user of ['a', 'b', 'c', 'd'])
      cache.rememberSession(`hash-${user}`, caller(user), cache.generation)
    expect(cache.size).toBe(1)
    expect(cache.session('hash-d', clock.now().getTime())).toEqual(caller('d'))
  })

  it('leaves its indexes empty once everything is forgotten one by one', () => {
    const { cache } = filled()
    cache.forget([
      { kind: 'user', id: 'ada' },
      { kind: 'user', id: 'bob' },
    ])
    expect(cache.size).toBe(0)
    // Forgetting again finds nothing left behind in the indexes.
    cache.forget([{ kind: 'organization', id: 'org-1' }])
    expect(cache.size).toBe(0)
  })
})
