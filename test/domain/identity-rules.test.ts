import { describe, expect, it } from 'vitest'
import { isValidEmail, normalizeEmail } from '../../src/domain/emails.ts'
import { isValidName } from '../../src/domain/names.ts'
import { checkPassword } from '../../src/domain/passwords.ts'
import { hashToken, looksLikeToken, newToken } from '../../src/domain/tokens.ts'

describe('emails', () => {
  it.each([
    ['ada@example.com', true],
    ['Ada.Lovelace+portal@Example.co.uk', true],
    ['a@b', false],
    ['a@b.co\r\nBcc: x@y.z', false],
    ['a@b.co, c@d.co', false],
    ['Ann <a@b.co>', false],
    [' a@b.co', false],
    ['', false],
    [`${'a'.repeat(250)}@b.co`, false],
  ])('%j is valid: %s', (email, valid) => {
    expect(isValidEmail(email)).toBe(valid)
  })

  it('compares case-insensitively', () => {
    expect(normalizeEmail('Ada@Example.COM')).toBe('ada@example.com')
  })
})

describe('names', () => {
  it.each([
    ['Grace Hopper', true],
    ['李小龍', true],
    ['', false],
    ['   ', false],
    ['Eve\nBcc', false],
    ['Tab\there', false],
    ['x'.repeat(201), false],
  ])('%j is valid: %s', (name, valid) => {
    expect(isValidName(name)).toBe(valid)
  })
})

describe('passwords', () => {
  it('needs 10 to 1024 characters', () => {
    expect(checkPassword('123456789')).toMatchObject({ ok: false, code: 'validation_failed' })
    expect(checkPassword('1234567890')).toEqual({ ok: true })
    expect(checkPassword('x'.repeat(1024))).toEqual({ ok: true })
    expect(checkPassword('x'.repeat(1025))).toMatchObject({ ok: false, code: 'validation_failed' })
  })
})

describe('tokens', () => {
  it('are 43 base64url characters from 32 random bytes, never twice the same', () => {
    const tokens = new Set(Array.from({ length: 1000 }, newToken))
    expect(tokens.size).toBe(1000)
    for (const token of tokens) expect(looksLikeToken(token)).toBe(true)
    expect(Buffer.from([...tokens][0] ?? '', 'base64url')).toHaveLength(32)
  })

  it('are stored as a SHA-256 hex digest', () => {
    expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  })

  it.each(['', 'short', `${'a'.repeat(42)}!`, 'a'.repeat(44)])('%j does not look like a token', (value) => {
    expect(looksLikeToken(value)).toBe(false)
  })
})
