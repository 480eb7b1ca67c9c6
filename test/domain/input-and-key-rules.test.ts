// Table-driven tests of the pure rules behind issue 12: names, handles, `{org}` references, base
// paths, instants, storable text, cursors, and what a key may do (verification and rotation).
import { describe, expect, it } from 'vitest'
import { environmentOfPrefix, newApiKey, parseApiKey } from '../../src/domain/api-keys.ts'
import { checkHandle, handleFromName, organizationReference } from '../../src/domain/handles.ts'
import { parseInstant } from '../../src/domain/instants.ts'
import { decideKeyAccess, type KeyAccessRequest, type KeyFacts } from '../../src/domain/key-access.ts'
import { checkRotatable, graceDeadline, replacementExpiry } from '../../src/domain/key-rotation.ts'
import { isValidName } from '../../src/domain/names.ts'
import { isValidBasePath } from '../../src/domain/portal.ts'
import { isStorableText, unstorableTextPaths } from '../../src/domain/text.ts'
import { decodeDatedCursor, encodeCursor } from '../../src/services/pagination.ts'

describe('names', () => {
  it.each([
    ['Ada Lovelace', true],
    ['مؤسسة أكمي', true],
    ['Zoë', true],
    ['e\u0301', true],
    ['日本', true],
    ['Acme\u200DCorp', true],
    ['اسم\u200F', true],
    ['x', true],
    // guards: bidirectional overrides and isolates that make a name read as something else
    ['Acme\u202Egnp.exe', false],
    ['\u202AAcme', false],
    ['Acme\u202C', false],
    ['\u2066Acme\u2069', false],
    ['Acme\u2068', false],
    // guards: names with no visible character
    ['   ', false],
    ['\u200B', false],
    ['\u200B\u200C\u200D', false],
    ['\u3164', false],
    ['\u00A0\u2000\u3000', false],
    ['\uFEFF', false],
    ['\u0301', false],
    ['\u00AD', false],
    // controls, separators, unpaired surrogates
    ['Acme\u0000', false],
    ['Acme\nCorp', false],
    ['Acme\u0085', false],
    ['Acme\u2028', false],
    ['Acme\uD800', false],
    ['', false],
    ['a'.repeat(201), false],
  ])('%j: %s', (name, valid) => {
    expect(isValidName(name)).toBe(valid)
  })
})

describe('handles and {org} references', () => {
  it.each([
    ['acme', undefined],
    ['abcdef01-2345-6789-abcd-ef0123456789', 'uuid'],
    ['deadbeef-dead-beef-dead-beefdeadbeef', 'uuid'],
    ['abcdef01-2345-6789-abcd-ef012345678', undefined],
    ['abcdef01-2345-6789-abcd-ef01234567890', undefined],
  ])('handle %j: %s', (handle, problem) => {
    expect(checkHandle(handle)).toBe(problem)
  })

  it('never derives a UUID-shaped handle from a name', () => {
    expect(checkHandle(handleFromName('abcdef01-2345-6789-abcd-ef0123456789'))).toBeUndefined()
  })

  it.each([
    ['ABCDEF01-2345-6789-ABCD-EF0123456789', { column: 'id', value: 'abcdef01-2345-6789-abcd-ef0123456789' }],
    ['Acme-Corp', { column: 'handle', value: 'acme-corp' }],
    ['acme\u0000', undefined],
    ['a'.repeat(41), undefined],
    ['ac', undefined],
    ['acme corp', undefined],
    ['acmé', undefined],
    ['%00', undefined],
    ['', undefined],
  ])('{org} %j → %j', (ref, expected) => {
    expect(organizationReference(ref)).toEqual(expected)
  })
})

describe('API base paths', () => {
  it.each([
    ['/pay', true],
    ['/pay/v1', true],
    ['/a.b/~c_d-e', true],
    ['/...', true],
    ['/.well-known', true],
    ['/', false],
    ['', false],
    ['pay', false],
    ['//pay', false],
    ['/pay//v1', false],
    ['/pay/', false],
    ['/.', false],
    ['/..', false],
    ['/pay/./v1', false],
    ['/pay/../admin', false],
    ['/pay/..', false],
    ['/%2e%2e', false],
    ['/pay%2Fv1', false],
    ['/Pay', false],
    ['/pay v1', false],
    ['/pay?x=1', false],
    ['/pay#x', false],
    ['/pay\u0000', false],
    [`/${'a'.repeat(200)}`, false],
  ])('%j: %s', (path, valid) => {
    expect(isValidBasePath(path)).toBe(valid)
  })
})

describe('instants', () => {
  it.each([
    ['2030-01-01T00:00:00Z', '2030-01-01T00:00:00.000Z'],
    ['2030-01-01T00:00:00.123456Z', '2030-01-01T00:00:00.123Z'],
    ['2030-01-01T05:30:00+05:30', '2030-01-01T00:00:00.000Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
    ['9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z'],
    // guards: a leap second the date-time format accepts and Date cannot hold
    ['2030-12-31T23:59:60Z', undefined],
    ['2030-06-30T23:59:60+00:00', undefined],
    ['2023-02-29T00:00:00Z', undefined],
    ['2030-04-31T00:00:00Z', undefined],
    ['2030-13-01T00:00:00Z', undefined],
    ['2030-01-01T24:00:00Z', undefined],
    ['0000-01-01T00:00:00Z', undefined],
    ['+275760-09-13T00:00:00.000Z', undefined],
    ['2030-01-01', undefined],
    ['tomorrow', undefined],
  ])('%j → %s', (text, iso) => {
    expect(parseInstant(text)?.toISOString()).toBe(iso)
  })
})

describe('storable text', () => {
  it.each([
    ['plain', true],
    ['emoji 👩‍💻', true],
    ['', true],
    ['nul\u0000', false],
    ['lone \uD800 high', false],
    ['lone \uDFFF low', false],
    ['\uDFFF\uD800', false],
  ])('%j: %s', (text, storable) => {
    expect(isStorableText(text)).toBe(storable)
  })

  it('names every unstorable string by its JSON pointer', () => {
    expect(
      unstorableTextPaths({ name: 'ok', items: ['x', 'y\u0000'], 'a/b': { c: '\uD800' }, n: 1 }),
    ).toEqual(['/items/1', '/a~1b/c'])
    expect(unstorableTextPaths('\u0000')).toEqual(['/'])
    expect(unstorableTextPaths({ name: 'fine', n: null })).toEqual([])
    expect(unstorableTextPaths(Buffer.from([0, 0, 0]))).toEqual([])
  })
})

describe('cursors', () => {
  const uuid = '5f0c6f7e-1b2a-4c3d-8e9f-0a1b2c3d4e5f'
  it('reads back what it wrote', () => {
    const at = new Date('2030-01-01T00:00:00.000Z')
    expect(decodeDatedCursor(encodeCursor([at.toISOString(), uuid]))).toEqual({ at, id: uuid })
  })

  // guards: forged cursors the check accepted and the database then refused
  it.each([
    [['2030-01-01T00:00:00.000Z', '------------------------------------']],
    [['2030-01-01T00:00:00.000Z', `${uuid}\u0000`]],
    [['-271821-04-20T00:00:00.000Z', uuid]],
    [['+275760-09-13T00:00:00.000Z', uuid]],
    [['2030-01-01', uuid]],
    [['2030-01-01T00:00:00Z', uuid]],
    [['2030-12-31T23:59:60.000Z', uuid]],
    [[uuid, '2030-01-01T00:00:00.000Z']],
    [['2030-01-01T00:00:00.000Z', uuid, 'extra']],
    [[1, 2]],
  ])('refuses %j', (parts) => {
    expect(() => decodeDatedCursor(encodeCursor(parts as string[]))).toThrow(
      'cursor is not one this server gave out',
    )
  })
})

describe('decideKeyAccess: the environment is the one written into the key', () => {
  const now = Date.parse('2030-01-01T00:00:00Z')
  const key = (facts: Partial<KeyFacts> = {}): KeyFacts => ({
    organizationId: 'org',
    applicationId: 'app',
    keyId: 'key',
    environment: 'development',
    issuedEnvironment: 'development',
    expiresAt: null,
    revokedAt: null,
    subscriptions: new Map([['api-1', { requestsPerMinute: null, requestsPerDay: null }]]),
    ...facts,
  })
  it.each([
    ['a live key', key(), {}, { ok: true }],
    ['for its environment', key(), { environment: 'development' }, { ok: true }],
    [
      'for another environment',
      key(),
      { environment: 'production' },
      { ok: false, code: 'wrong_environment' },
    ],
    ['for an unknown environment', key(), { environment: '' }, { ok: false, code: 'wrong_environment' }],
    // guards: a key relabelled by renaming environments answering the new name
    [
      'relabelled (its row names another environment)',
      key({ environment: 'production' }),
      {},
      { ok: false, code: 'wrong_environment' },
    ],
    [
      'relabelled, asked for the new name',
      key({ environment: 'production' }),
      { environment: 'production' },
      { ok: false, code: 'wrong_environment' },
    ],
    [
      'relabelled, for a subscribed API',
      key({ environment: 'production' }),
      { api: { id: 'api-1' } },
      { ok: false, code: 'wrong_environment' },
    ],
    [
      'relabelled and expired',
      key({ environment: 'production', expiresAt: now }),
      {},
      { ok: false, code: 'expired' },
    ],
  ])('%s', (_case, facts, request, expected) => {
    expect(decideKeyAccess(facts, request as KeyAccessRequest, now)).toMatchObject(expected)
  })

  it('reads the environment from the key itself', () => {
    const secret = newApiKey('staging')
    expect(parseApiKey(secret)?.environment).toBe('staging')
    expect(environmentOfPrefix(secret.slice(0, 'portico_staging_'.length + 6))).toBe('staging')
    expect(environmentOfPrefix('portico_pre-prod_AbC123')).toBe('pre-prod')
  })
})

describe('rotation', () => {
  const now = new Date('2030-01-01T00:00:00Z')
  const live = {
    revokedAt: null,
    expiresAt: null,
    issuedEnvironment: 'production',
    storedEnvironment: 'production',
  }
  it.each([
    ['a live key', live, true],
    ['a key in its grace period', { ...live, expiresAt: new Date(now.getTime() + 60_000) }, true],
    ['an expired key', { ...live, expiresAt: now }, false],
    ['a revoked key', { ...live, revokedAt: new Date(now.getTime() - 1) }, false],
    ['a relabelled key', { ...live, storedEnvironment: 'development' }, false],
  ])('%s: rotatable %s', (_case, key, rotatable) => {
    const decision = checkRotatable(key, now)
    expect(decision.ok).toBe(rotatable)
    if (!decision.ok) expect(decision.code).toBe('conflict')
  })

  const issued = new Date('2030-02-01T00:00:00Z')
  const requested = new Date('2030-03-01T00:00:00Z')
  it.each([
    ['its own lifetime', { issuedExpiresAt: issued }, undefined, issued],
    ['no lifetime', { issuedExpiresAt: null }, undefined, null],
    ['the one asked for', { issuedExpiresAt: issued }, requested, requested],
  ])('a replacement inherits %s', (_case, old, asked, expected) => {
    expect(replacementExpiry(old, asked)).toEqual(expected)
  })

  it.each([
    ['no grace: revoked now', { expiresAt: null }, 0, { revokedAt: now }],
    ['grace', { expiresAt: null }, 60, { expiresAt: new Date(now.getTime() + 60_000) }],
    [
      'grace beyond its lifetime',
      { expiresAt: new Date(now.getTime() + 1000) },
      60,
      { expiresAt: new Date(now.getTime() + 1000) },
    ],
  ])('the old key: %s', (_case, old, seconds, expected) => {
    expect(graceDeadline(old, seconds, now)).toEqual(expected)
  })
})
