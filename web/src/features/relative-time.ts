// How the console says when something ends or last happened, relative to now: "expires in 6 days",
// "expires in 58 minutes", "expired"; "5 minutes ago", "just now".

const minute = 60_000
const hour = 60 * minute
const format = new Intl.RelativeTimeFormat('en', { numeric: 'always' })

/** The largest unit that reads naturally for a span of `ms` (rounded: 23.5 hours is a day). */
function countAndUnit(ms: number): [number, Intl.RelativeTimeFormatUnit] {
  if (ms >= 23.5 * hour) return [Math.round(ms / (24 * hour)), 'day']
  if (ms >= hour) return [Math.round(ms / hour), 'hour']
  return [Math.max(1, Math.round(ms / minute)), 'minute']
}

/** What a person reads of an expiry: "expires in 6 days", "expires in 3 hours", "expired". */
export function expiryText(expiresAt: string, now: number): string {
  const left = new Date(expiresAt).getTime() - now
  if (left <= 0) return 'expired'
  const [count, unit] = countAndUnit(left)
  return `expires ${format.format(count, unit)}`
}

/** How long ago something happened: "just now" within a minute, else "5 minutes ago", "2 days ago". */
export function timeAgoText(at: string, now: number): string {
  const ago = now - new Date(at).getTime()
  if (ago < minute) return 'just now'
  const [count, unit] = countAndUnit(ago)
  return format.format(-count, unit)
}
