// One-time tokens mailed to a person (email verification, password reset), stored as SHA-256.
import type { Executor } from './executor.ts'
import type { UserTokenPurpose } from './tables.ts'

export interface UserToken {
  id: string
  userId: string
  purpose: UserTokenPurpose
  expiresAt: Date
  usedAt: Date | null
}

export async function insertUserToken(
  db: Executor,
  token: { userId: string; purpose: UserTokenPurpose; tokenHash: string; now: Date; expiresAt: Date },
): Promise<void> {
  await db
    .insertInto('user_tokens')
    .values({
      user_id: token.userId,
      purpose: token.purpose,
      token_hash: token.tokenHash,
      created_at: token.now,
      expires_at: token.expiresAt,
    })
    .execute()
}

/** The token with this hash and purpose, locked until the transaction ends so it is used once. */
export async function findUserTokenForUpdate(
  db: Executor,
  tokenHash: string,
  purpose: UserTokenPurpose,
): Promise<UserToken | undefined> {
  const row = await db
    .selectFrom('user_tokens')
    .select(['id', 'user_id', 'purpose', 'expires_at', 'used_at'])
    .where('token_hash', '=', tokenHash)
    .where('purpose', '=', purpose)
    .forUpdate()
    .executeTakeFirst()
  return (
    row && {
      id: row.id,
      userId: row.user_id,
      purpose: row.purpose,
      expiresAt: row.expires_at,
      usedAt: row.used_at,
    }
  )
}

/** Marks every unused token of this purpose of the user used: one link works, then none of them. */
export async function markUserTokensUsed(
  db: Executor,
  userId: string,
  purpose: UserTokenPurpose,
  at: Date,
): Promise<void> {
  await db
    .updateTable('user_tokens')
    .set({ used_at: at })
    .where('user_id', '=', userId)
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .execute()
}
