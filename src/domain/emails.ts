// Email address rules. One address, no display name, no whitespace or control characters
// (so an address can never smuggle a header into a mail), compared case-insensitively.

export const EMAIL_MAX_LENGTH = 254

// The same shape JSON Schema's `email` format accepts (ajv-formats), kept here so services
// called from the CLI refuse what the HTTP layer refuses.
const EMAIL_PATTERN =
  /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/i

export function isValidEmail(email: string): boolean {
  return email.length <= EMAIL_MAX_LENGTH && EMAIL_PATTERN.test(email)
}

/** The form emails are compared and looked up in. */
export function normalizeEmail(email: string): string {
  return email.toLowerCase()
}
