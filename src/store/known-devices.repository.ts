// Known devices: clients that proved an account's password once, found by the SHA-256 of the
// token their cookie holds (migration 0009).
import type { Executor } from './executor.ts'

export async function insertKnownDevice(
  db: Executor,
  device: { tokenHash: string; userId: string; now: Date },
): Promise<void> {
  await db
    .insertInto('known_devices')
    .values({ token_hash: device.tokenHash, user_id: device.userId, created_at: device.now })
    .execute()
}

/** Whether the token names a device of this user made after `since`. */
export async function isKnownDevice(
  db: Executor,
  tokenHash: string,
  userId: string,
  since: Date,
): Promise<boolean> {
  const row = await db
    .selectFrom('known_devices')
    .select('id')
    .where('token_hash', '=', tokenHash)
    .where('user_id', '=', userId)
    .where('created_at', '>', since)
    .executeTakeFirst()
  return row !== undefined
}
