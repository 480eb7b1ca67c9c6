// Keyset pagination: a cursor is the sort key of the last item of a page, opaque to clients
// (base64url of JSON). A cursor that does not decode, or whose parts are not exactly what this
// server writes (a canonical ISO time, a UUID), is a validation error: never a crash, and never a
// value the database would refuse.
import { DomainError } from '../domain/errors.ts'
import { isUuidShaped } from '../domain/handles.ts'
import { parseInstant } from '../domain/instants.ts'

export interface Page<T> {
  items: T[]
  nextCursor: string | null
}

export const DEFAULT_PAGE_SIZE = 20
export const MAX_PAGE_SIZE = 100

export function encodeCursor(key: readonly string[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url')
}

function invalidCursor(): DomainError {
  return new DomainError('validation_failed', 'cursor is not one this server gave out', {
    errors: [{ in: 'query', path: '/cursor', message: 'is not valid' }],
  })
}

export function decodeCursor(cursor: string, arity: number): string[] {
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    if (Array.isArray(key) && key.length === arity && key.every((part) => typeof part === 'string'))
      return key
  } catch {}
  throw invalidCursor()
}

/** A (date, uuid) sort key from a cursor, as the keyset queries take it. */
export function decodeDatedCursor(cursor: string): { at: Date; id: string } {
  const [at = '', id = ''] = decodeCursor(cursor, 2)
  const date = parseInstant(at)
  // Only the exact text toISOString wrote: no other spelling of a time can name a row's key.
  if (!date || date.toISOString() !== at || !isUuidShaped(id)) throw invalidCursor()
  return { at: date, id: id.toLowerCase() }
}

/** Given `limit + 1` rows, the page and the cursor of its last item when more follow. */
export function pageOf<T>(rows: T[], limit: number, keyOf: (item: T) => string[]): Page<T> {
  const items = rows.slice(0, limit)
  const last = items.at(-1)
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(keyOf(last)) : null }
}
