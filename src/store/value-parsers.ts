// How the pg driver turns PostgreSQL's text into JavaScript values, for the two kinds every list
// reads row after row: timestamps with time zone (joined_at, created_at, …) and text arrays (roles).
// pg's own parsers run a regular expression per timestamp (postgres-date) and a character-by-
// character state machine per array (postgres-array); a CPU profile of list-members (100 members a
// page) put them at 7 % and 3 % of the server's busy time, with more in the garbage collector for
// the match arrays. The shapes PostgreSQL writes for Portico's columns — a timestamp in UTC with
// a four-digit year, an array of unquoted words — are read here directly; anything else (another
// time zone, infinity, BC, a quoted or nested element) goes to pg's parser, so every value reads
// exactly as before.
import pg from 'pg'

const TIMESTAMPTZ = pg.types.builtins.TIMESTAMPTZ
/** text[] (pg-types names no array types). */
const TEXT_ARRAY = 1009 as typeof TIMESTAMPTZ

function digit(text: string, at: number): number {
  const value = text.charCodeAt(at) - 48
  return value >= 0 && value <= 9 ? value : Number.NaN
}

function number(text: string, from: number, to: number): number {
  let value = 0
  for (let at = from; at < to; at++) value = value * 10 + digit(text, at)
  return value
}

/** `YYYY-MM-DD HH:MM:SS[.f…]+00` with a year of 1000 or more: the Date; anything else: undefined. */
export function utcTimestampOf(text: string): Date | undefined {
  const length = text.length
  if (length < 22 || length > 29) return undefined
  if (
    text.charCodeAt(4) !== 45 || // -
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 32 || // space
    text.charCodeAt(13) !== 58 || // :
    text.charCodeAt(16) !== 58 ||
    text.charCodeAt(length - 3) !== 43 || // +
    text.charCodeAt(length - 2) !== 48 || // 0
    text.charCodeAt(length - 1) !== 48
  ) {
    return undefined
  }
  let milliseconds = 0
  if (length > 22) {
    // A fraction of one to six digits; pg's parser keeps whole milliseconds (truncated).
    if (text.charCodeAt(19) !== 46 || length < 24) return undefined // .
    for (let at = 20, scale = 100; at < length - 3; at++, scale /= 10) {
      const value = digit(text, at)
      if (Number.isNaN(value)) return undefined
      if (scale >= 1) milliseconds += value * scale
    }
  }
  const year = number(text, 0, 4)
  const time = Date.UTC(
    year,
    number(text, 5, 7) - 1,
    number(text, 8, 10),
    number(text, 11, 13),
    number(text, 14, 16),
    number(text, 17, 19),
    milliseconds,
  )
  // NaN: a character that is not a digit; below 1000 Date.UTC would read years 0–99 as 1900s.
  if (Number.isNaN(time) || year < 1000) return undefined
  return new Date(time)
}

/** What an array written with only unquoted, non-empty elements cannot contain. */
const UNQUOTED_ONLY = /["\\{}\s]|^,|,,|,$/

/** `{a,b,c}` of unquoted, non-empty elements (NULL is null): the array; anything else: undefined. */
export function plainTextArrayOf(text: string): (string | null)[] | undefined {
  if (text.charCodeAt(0) !== 123 || text.charCodeAt(text.length - 1) !== 125) return undefined // { }
  if (text.length === 2) return []
  const inner = text.slice(1, -1)
  // PostgreSQL quotes an empty element and any with a space, quote, backslash, comma or brace.
  if (UNQUOTED_ONLY.test(inner)) return undefined
  return inner.split(',').map((element) => (element === 'NULL' ? null : element))
}

const parseTimestamp = pg.types.getTypeParser(TIMESTAMPTZ, 'text')
const parseTextArray = pg.types.getTypeParser(TEXT_ARRAY, 'text')
const timestamp = (text: string) => utcTimestampOf(text) ?? parseTimestamp(text)
const textArray = (text: string) => plainTextArrayOf(text) ?? parseTextArray(text)

/** pg's `types` option: these two kinds read directly where they can, every other as pg reads it. */
export const valueParsers = {
  // biome-ignore lint/suspicious/noExplicitAny: pg's own signature
  getTypeParser(oid: number, format?: any): any {
    if (format === undefined || format === 'text') {
      if (oid === TIMESTAMPTZ) return timestamp
      if (oid === TEXT_ARRAY) return textArray
    }
    return pg.types.getTypeParser(oid, format)
  },
}
