// Text Portico can store and show as it was sent. PostgreSQL refuses U+0000 in `text`, and an
// unpaired UTF-16 surrogate has no UTF-8 form (the driver would silently store U+FFFD instead), so
// both are refused in every string of every request, before any rule or query sees them.

/** Whether `text` can be stored exactly: no NUL, no unpaired surrogate. */
export function isStorableText(text: string): boolean {
  return !text.includes('\u0000') && text.isWellFormed()
}

function isContainer(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !ArrayBuffer.isView(value)
}

/** Whether any string in `value` (object values, array items, or the value itself) is not storable. */
function holdsUnstorableText(value: unknown): boolean {
  if (typeof value === 'string') return !isStorableText(value)
  if (!isContainer(value)) return false
  for (const key in value) if (holdsUnstorableText(value[key])) return true
  return false
}

function collect(value: unknown, path: string, found: string[]): void {
  if (typeof value === 'string') {
    if (!isStorableText(value)) found.push(path || '/')
  } else if (isContainer(value)) {
    for (const key in value) {
      collect(value[key], `${path}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`, found)
    }
  }
}

/**
 * JSON pointers to every string in `value` that is not storable text; empty when all are (found
 * without allocating: this runs on every request). Keys are not inspected: unknown ones are
 * refused by the schemas, known ones are fixed words.
 */
export function unstorableTextPaths(value: unknown): string[] {
  if (!holdsUnstorableText(value)) return []
  const found: string[] = []
  collect(value, '', found)
  return found
}
