// Display names of people (and, later, organizations): visible text, no control characters,
// so a name can be placed in a mail subject or a log line as it is.

export const NAME_MAX_LENGTH = 200

// At least one visible character, no C0/C1 controls (CR and LF among them).
export const NAME_PATTERN = '^(?=.*\\S)[^\\u0000-\\u001F\\u007F-\\u009F]+$'
const nameRegex = new RegExp(NAME_PATTERN, 'u')

export function isValidName(name: string): boolean {
  return name.length >= 1 && name.length <= NAME_MAX_LENGTH && nameRegex.test(name)
}

export function normalizeName(name: string): string {
  return name.trim()
}
