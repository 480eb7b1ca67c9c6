// Sessions, found by the SHA-256 of their token. Expiry slides: touching a session moves its end.
import type { User } from '../domain/users.ts'
import type { Executor } from './executor.ts'
import { userRowToUser } from './users.repository.ts'

export interface Session {
  id: string
  userId: string
  lastSeenAt: Date
  expiresAt: Date
}

export async function insertSession(
  db: Executor,
  session: { tokenHash: string; userId: string; now: Date; expiresAt: Date },
): Promise<Session> {
  const row = await db
    .insertInto('sessions')
    .values({
      token_hash: session.tokenHash,
      user_id: session.userId,
      created_at: session.now,
      last_seen_at: session.now,
      expires_at: session.expiresAt,
    })
    .returning(['id', 'user_id', 'last_seen_at', 'expires_at'])
    .executeTakeFirstOrThrow()
  return { id: row.id, userId: row.user_id, lastSeenAt: row.last_seen_at, expiresAt: row.expires_at }
}

/** The live session with this token hash and its user, in one query. */
export async function findLiveSession(
  db: Executor,
  tokenHash: string,
  now: Date,
): Promise<{ session: Session; user: User } | undefined> {
  const row = await db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select([
      'sessions.id as session_id',
      'sessions.last_seen_at',
      'sessions.expires_at',
      'users.id',
      'users.email',
      'users.name',
      'users.email_verified_at',
      'users.created_at',
    ])
    .where('sessions.token_hash', '=', tokenHash)
    .where('sessions.expires_at', '>', now)
    .executeTakeFirst()
  if (!row) return undefined
  return {
    session: { id: row.session_id, userId: row.id, lastSeenAt: row.last_seen_at, expiresAt: row.expires_at },
    user: userRowToUser(row),
  }
}

export async function extendSession(
  db: Executor,
  sessionId: string,
  now: Date,
  expiresAt: Date,
): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ last_seen_at: now, expires_at: expiresAt })
    .where('id', '=', sessionId)
    .execute()
}

export async function deleteSession(db: Executor, sessionId: string): Promise<void> {
  await db.deleteFrom('sessions').where('id', '=', sessionId).execute()
}

export async function deleteSessionsOfUser(db: Executor, userId: string): Promise<number> {
  const result = await db.deleteFrom('sessions').where('user_id', '=', userId).executeTakeFirst()
  return Number(result.numDeletedRows)
}
