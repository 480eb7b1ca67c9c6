// Durations as operators write them in configuration: a whole number and a unit, `s`, `m`, `h` or
// `d` (`5s`, `30m`, `10h`, `5d`). Pure parsing; config.ts reports what does not parse.

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const

/** Milliseconds of `5s`, `30m`, `2h` or `5d`; undefined for anything else. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d{1,9})([smhd])$/.exec(text.trim())
  if (!match) return undefined
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS]
}

/** A comma-separated list of durations (`5s,5m,30m`); undefined when any item does not parse. */
export function parseDurationList(text: string): number[] | undefined {
  const items = text.split(',').map((item) => parseDuration(item))
  return items.every((item) => item !== undefined) ? (items as number[]) : undefined
}
