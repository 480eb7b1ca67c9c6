// RFC 8785 (JSON Canonicalization Scheme) for the values Portico hashes: object members sorted by
// their names' UTF-16 code units, no whitespace, strings and numbers serialized as ECMAScript's
// JSON.stringify does (which is what RFC 8785 specifies). Members whose value is undefined are left
// out, as JSON.stringify leaves them out.

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('not a JSON number')
    const text = JSON.stringify(value)
    if (text === undefined) throw new TypeError(`not a JSON value: ${typeof value}`)
    return text
  }
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`
  const record = value as Record<string, unknown>
  // The default sort compares UTF-16 code units, as RFC 8785 §3.2.3 requires.
  const names = Object.keys(record)
    .filter((name) => record[name] !== undefined)
    .sort()
  return `{${names.map((name) => `${JSON.stringify(name)}:${canonicalJson(record[name])}`).join(',')}}`
}

/**
 * The canonical JSON of `record` cut around the value of its top-level member `hole`: what comes
 * before that value and what comes after it. `before + canonicalJson(value) + after` is the
 * canonical JSON of the record with that value, so the value can be filled in later (by the
 * database, under its lock).
 */
export function canonicalJsonAround(record: Record<string, unknown>, hole: string): [string, string] {
  const names = Object.keys({ ...record, [hole]: null })
    .filter((name) => name === hole || record[name] !== undefined)
    .sort()
  const parts = names.map((name) =>
    name === hole
      ? `${JSON.stringify(name)}:\u0000`
      : `${JSON.stringify(name)}:${canonicalJson(record[name])}`,
  )
  const text = `{${parts.join(',')}}`
  // JSON text never holds a raw U+0000 (strings escape it), so the marker is the hole alone.
  const at = text.indexOf('\u0000')
  return [text.slice(0, at), text.slice(at + 1)]
}
