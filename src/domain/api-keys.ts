// API keys: `portico_<environment>_<32 base62 random><6 base62 checksum>`. 32 base62 characters
// carry 190 random bits; the checksum (CRC-32 of the rest) lets a gateway's typo or garbage be
// refused without a database lookup. Only the SHA-256 of a key is stored. The environment written
// into a key is the one it was issued for, for good: verification answers that one
// (domain/key-access.ts), whatever the environment's row is called later.
import { hash, randomInt } from 'node:crypto'
import { crc32 } from 'node:zlib'

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
const RANDOM_LENGTH = 32
const CHECKSUM_LENGTH = 6
export const API_KEY_MAX_LENGTH = 100
const KEY_PATTERN = /^portico_([a-z][a-z0-9-]{0,31})_([0-9A-Za-z]{38})$/

function base62(value: number, length: number): string {
  let text = ''
  let rest = value
  for (let i = 0; i < length; i++) {
    text = BASE62[rest % 62] + text
    rest = Math.floor(rest / 62)
  }
  return text
}

function checksumOf(text: string): string {
  return base62(crc32(text), CHECKSUM_LENGTH)
}

export function newApiKey(environment: string): string {
  let random = ''
  for (let i = 0; i < RANDOM_LENGTH; i++) random += BASE62[randomInt(62)]
  const body = `portico_${environment}_${random}`
  return `${body}${checksumOf(body)}`
}

export interface ParsedApiKey {
  environment: string
}

/** The key's parts when it is well-formed and its checksum holds; undefined for anything else. */
export function parseApiKey(key: string): ParsedApiKey | undefined {
  if (key.length > API_KEY_MAX_LENGTH) return undefined
  const match = KEY_PATTERN.exec(key)
  if (!match) return undefined
  const body = key.slice(0, -CHECKSUM_LENGTH)
  if (checksumOf(body) !== key.slice(-CHECKSUM_LENGTH)) return undefined
  return { environment: match[1] ?? '' }
}

/** The environment a key was issued for, from its stored display prefix (`portico_<environment>_…`). */
export function environmentOfPrefix(prefix: string): string {
  return prefix.slice('portico_'.length, prefix.lastIndexOf('_'))
}

export function hashApiKey(key: string): string {
  return hash('sha256', key, 'hex')
}

/** What a key list shows of a key: enough to recognize it, never enough to use it. */
export function displayPartsOf(key: string): { prefix: string; last4: string } {
  const environmentEnd = key.indexOf('_', 'portico_'.length)
  return { prefix: key.slice(0, environmentEnd + 7), last4: key.slice(-4) }
}

export const MAX_ROTATION_GRACE_SECONDS = 7 * 24 * 3600
