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
