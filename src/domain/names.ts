// Display names of people, organizations, applications and APIs: visible text a reader can trust,
// so a name can be placed in a mail subject, a log line or a console list as it is.

export const NAME_MAX_LENGTH = 200

// Refused anywhere in a name: C0/C1 controls (CR and LF among them), the line and paragraph
// separators, bidirectional embeddings, overrides and isolates (U+202A–202E, U+2066–2069: they
// reorder what follows, so "Acme\u202Egnp.exe" reads as something it is not), and unpaired
// surrogates. Required: one visible character, that is one that is not white space, a format or
// default-ignorable character (zero-width space, joiners, Hangul filler…), a combining mark alone
// or a control.
const REFUSED = '\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\p{Cs}'
const INVISIBLE = '\\p{White_Space}\\p{Cf}\\p{Default_Ignorable_Code_Point}\\p{M}\\p{Cc}'
export const NAME_PATTERN = `^(?=[\\s\\S]*[^${INVISIBLE}${REFUSED}])[^${REFUSED}]+$`
const nameRegex = new RegExp(NAME_PATTERN, 'u')

export function isValidName(name: string): boolean {
  return name.length >= 1 && name.length <= NAME_MAX_LENGTH && nameRegex.test(name)
}

export function normalizeName(name: string): string {
  return name.trim()
}
