// Secret tokens (sessions, email links): 32 random bytes, base64url on the wire, and only their
// SHA-256 in the database, so a stolen database cannot be replayed as sessions.
import { hash, randomBytes } from 'node:crypto'

export const TOKEN_BYTES = 32
/** base64url of 32 bytes, without padding. */
export const TOKEN_LENGTH = 43
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/

export function newToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url')
}

export function hashToken(token: string): string {
  return hash('sha256', token, 'hex')
}

/** True when the string could be a token at all: anything else is refused without a lookup. */
export function looksLikeToken(value: string): boolean {
  return TOKEN_PATTERN.test(value)
}
