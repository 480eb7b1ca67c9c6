// The event catalog against API.md's list, the `type` filter, and the RFC 8785 canonicalizer
// against an independent implementation (the `canonicalize` package).
import canonicalize from 'canonicalize'
import { describe, expect, it } from 'vitest'
import { canonicalJson } from '../../src/domain/canonical-json.ts'
import {
  type EventData,
  eventCatalog,
  eventTypes,
  eventTypesMatching,
  type NewEvent,
} from '../../src/domain/events.ts'

// API.md, "Events and the audit log", written out here independently of the catalog.
const documented = [
  'organization.created',
  'organization.updated',
  'organization.deleted',
  'member.added',
  'member.updated',
  'member.removed',
  'invitation.created',
  'invitation.resent',
  'invitation.accepted',
  'invitation.declined',
  'invitation.revoked',
  'api.created',
  'api.updated',
  'api.published',
  'api.deprecated',
  'api.deleted',
  'environment.created',
  'environment.updated',
  'environment.deleted',
  'application.created',
  'application.updated',
  'application.deleted',
  'subscription.created',
  'subscription.deleted',
  'key.created',
  'key.rotated',
  'key.revoked',
  'developer.provisioned',
  'developer.provisioning_failed',
  'webhook.created',
  'webhook.updated',
  'webhook.deleted',
]

describe('the event catalog', () => {
  it('holds exactly the types of API.md, each targeting its resource', () => {
    expect([...eventTypes].sort()).toEqual([...documented].sort())
    for (const type of eventTypes) {
      const resource = type.slice(0, type.indexOf('.'))
      expect(eventCatalog[type].target).toBe(resource)
    }
  })

  it('refuses, at compile time, a misspelt type, a missing field and a foreign field', () => {
    const ok: NewEvent = {
      type: 'environment.created',
      organizationId: 'o',
      targetId: 't',
      data: { name: 'staging' },
    }
    // @ts-expect-error a type that is not in the catalog
    const misspelt: NewEvent = { type: 'environment.craeted', organizationId: 'o', targetId: 't', data: {} }
    // @ts-expect-error data without its name
    const missing: EventData<'environment.created'> = {}
    const foreign: EventData<'key.created'> = {
      applicationId: 'a',
      environment: 'production',
      name: 'k',
      prefix: 'portico_production_abcdef',
      last4: 'wxyz',
      expiresAt: null,
      // @ts-expect-error a field the type does not carry (no secret slips in)
      secret: 'portico_production_…',
    }
    // @ts-expect-error a reason outside the listed ones
    const reason: EventData<'member.removed'>['reason'] = 'fired'
    expect([ok, misspelt, missing, foreign, reason]).toHaveLength(5)
  })

  it.each([
    ['member.*', ['member.added', 'member.updated', 'member.removed']],
    ['member.', ['member.added', 'member.updated', 'member.removed']],
    ['key.rotated', ['key.rotated']],
    ['member', undefined],
    ['member.add', undefined],
    ['nothing.*', undefined],
    ['*', undefined],
  ])('reads the type filter %j', (filter, expected) => {
    expect(eventTypesMatching(filter)).toEqual(expected)
  })
})

describe('canonical JSON (RFC 8785)', () => {
  const values: unknown[] = [
    null,
    true,
    0,
    -0,
    1e21,
    1e-7,
    0.1 + 0.2,
    -123.456,
    Number.MAX_SAFE_INTEGER,
    'plain',
    'quote " backslash \\ slash / tab \t newline \n bell \u0007 del \u007f',
    'é ü 日本 😀',
    [],
    {},
    [1, 'two', null, [3], { b: 1, a: 2 }],
    // Member names sort by UTF-16 code units: '😀' (a surrogate pair) sorts before 'ﬀ' (U+FB00).
    { b: 1, a: 2, A: 3, '': 4, é: 5, '😀': 6, ﬀ: 7, '10': 8, '2': 9 },
    { nested: { z: [{ y: 1, x: 2 }], a: { c: null, b: false } } },
    { skipped: undefined, kept: 1 },
  ]
  it.each(values.map((value) => [JSON.stringify(value), value]))(
    'agrees with canonicalize for %s',
    (_, value) => {
      expect(canonicalJson(value)).toBe(canonicalize(value))
    },
  )

  it('refuses numbers JSON cannot hold', () => {
    expect(() => canonicalJson(Number.NaN)).toThrow(TypeError)
    expect(() => canonicalJson({ a: Number.POSITIVE_INFINITY })).toThrow(TypeError)
  })
})
