// Instants sent by clients (ISO-8601 / RFC 3339 date-times). A text the schema accepts may still
// name no instant JavaScript and PostgreSQL agree on: a leap second (`…T23:59:60Z`, which `Date`
// cannot hold), a day the month does not have, or a year outside 0001–9999. Such a time is
// refused, never passed on (nor silently moved to another instant).

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|[+-](\d{2}):(\d{2}))$/i
const MIN_TIME = Date.UTC(1, 0, 1)
const MAX_TIME = Date.UTC(10000, 0, 1)

/** The instant `text` names, or undefined when it names none Portico can store. */
export function parseInstant(text: string): Date | undefined {
  const parts = INSTANT.exec(text)
  if (!parts) return undefined
  const [year, month, day, hour, minute, second, offsetHours = 0, offsetMinutes = 0] = parts
    .slice(1)
    .map((part) => (part === undefined ? undefined : Number(part)))
  if (year === undefined || month === undefined || day === undefined) return undefined
  const daysInMonth = new Date(Date.UTC(2000, month, 0)).getUTCDate() // 2000: a leap year
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth) return undefined
  if (month === 2 && day === 29 && !(year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)))
    return undefined
  // Seconds stop at 59: a leap second has no place on the timeline `Date` (and Portico) counts in.
  if ((hour ?? 24) > 23 || (minute ?? 60) > 59 || (second ?? 60) > 59) return undefined
  if (offsetHours > 23 || offsetMinutes > 59) return undefined
  const time = new Date(text).getTime()
  if (Number.isNaN(time) || time < MIN_TIME || time >= MAX_TIME) return undefined
  return new Date(time)
}
