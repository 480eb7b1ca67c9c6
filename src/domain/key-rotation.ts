// Rotating an API key: whether a key may be replaced, how long its replacement lives, and when the
// old key stops working. Pure: the service reads the key under its lock, asks, then writes.
import { allowed, type Decision, refused } from './errors.ts'

/**
 * A key can be rotated while it works: a revoked or expired one has nothing left to hand over, and
 * one whose environment was relabelled would hand its access over under the new name.
 */
export function checkRotatable(
  key: {
    revokedAt: Date | null
    expiresAt: Date | null
    /** The environment written into the key (its stored prefix names it too). */
    issuedEnvironment: string
    /** The name of the environment its row points at now. */
    storedEnvironment: string
  },
  now: Date,
): Decision {
  if (key.revokedAt) return refused('conflict', 'this key is revoked: create a new one instead')
  if (key.expiresAt && key.expiresAt <= now)
    return refused('conflict', 'this key has expired: create a new one')
  if (key.issuedEnvironment !== key.storedEnvironment) {
    return refused(
      'conflict',
      `this key was issued for ${key.issuedEnvironment}, which is now named otherwise: create a new one`,
    )
  }
  return allowed
}

/**
 * The lifetime of a rotation's new key: the one asked for, else the one the old key was issued
 * with; never the old key's grace deadline (a key in its grace period would pass on its death).
 */
export function replacementExpiry(
  old: { issuedExpiresAt: Date | null },
  requested: Date | undefined,
): Date | null {
  return requested ?? old.issuedExpiresAt
}

/** When the old key stops working after a rotation with `graceSeconds` (0: revoked at once). */
export function graceDeadline(
  old: { expiresAt: Date | null },
  graceSeconds: number,
  now: Date,
): { revokedAt: Date } | { expiresAt: Date } {
  if (graceSeconds === 0) return { revokedAt: now }
  const end = new Date(now.getTime() + graceSeconds * 1000)
  return { expiresAt: old.expiresAt && old.expiresAt < end ? old.expiresAt : end }
}
