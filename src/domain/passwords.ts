// Password rules shared by the HTTP schemas and the services, so both refuse the same inputs.
import { allowed, type Decision, refused } from './errors.ts'

export const PASSWORD_MIN_LENGTH = 10
// Bounded so a sign-in cannot make argon2 hash megabytes.
export const PASSWORD_MAX_LENGTH = 1024

export function checkPassword(password: string): Decision {
  if (password.length < PASSWORD_MIN_LENGTH) {
    return refused('validation_failed', `password must be at least ${PASSWORD_MIN_LENGTH} characters`, {
      errors: [
        { in: 'body', path: '/password', message: `must be at least ${PASSWORD_MIN_LENGTH} characters` },
      ],
    })
  }
  if (password.length > PASSWORD_MAX_LENGTH) {
    return refused('validation_failed', `password must be at most ${PASSWORD_MAX_LENGTH} characters`, {
      errors: [
        { in: 'body', path: '/password', message: `must be at most ${PASSWORD_MAX_LENGTH} characters` },
      ],
    })
  }
  return allowed
}
