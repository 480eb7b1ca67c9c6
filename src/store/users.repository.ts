// People: lookup by id or email (case-insensitive), creation, credential and verification updates.
import { sql } from 'kysely'
import { normalizeEmail } from '../domain/emails.ts'
import type { User } from '../domain/users.ts'
import type { Executor } from './executor.ts'
import type { UsersTable } from './tables.ts'

type UserRow = Pick<UsersTable, 'email' | 'name' | 'email_verified_at'> & { id: string; created_at: Date }

export function userRowToUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    emailVerified: row.email_verified_at !== null,
    createdAt: row.created_at,
  }
}

const userColumns = ['id', 'email', 'name', 'email_verified_at', 'created_at'] as const

/** The user and their password hash, for sign-in. */
export async function findCredentialsByEmail(
  db: Executor,
  email: string,
): Promise<{ user: User; passwordHash: string } | undefined> {
  const row = await db
    .selectFrom('users')
    .select([...userColumns, 'password_hash'])
    .where(sql`lower(email)`, '=', normalizeEmail(email))
    .executeTakeFirst()
  return row && { user: userRowToUser(row), passwordHash: row.password_hash }
}

export async function findUserByEmail(db: Executor, email: string): Promise<User | undefined> {
  const row = await db
    .selectFrom('users')
    .select(userColumns)
    .where(sql`lower(email)`, '=', normalizeEmail(email))
    .executeTakeFirst()
  return row && userRowToUser(row)
}

/** Inserts a user; undefined when the email is taken (the unique index decides, race-free). */
export async function insertUser(
  db: Executor,
  user: { email: string; name: string; passwordHash: string; emailVerifiedAt: Date | null; now: Date },
): Promise<User | undefined> {
  const row = await db
    .insertInto('users')
    .values({
      email: user.email,
      name: user.name,
      password_hash: user.passwordHash,
      email_verified_at: user.emailVerifiedAt,
      created_at: user.now,
    })
    .onConflict((oc) => oc.expression(sql`lower(email)`).doNothing())
    .returning(userColumns)
    .executeTakeFirst()
  return row && userRowToUser(row)
}

export async function markEmailVerified(db: Executor, userId: string, at: Date): Promise<User | undefined> {
  const row = await db
    .updateTable('users')
    .set({ email_verified_at: sql`coalesce(email_verified_at, ${at})` })
    .where('id', '=', userId)
    .returning(userColumns)
    .executeTakeFirst()
  return row && userRowToUser(row)
}

export async function updatePasswordHash(db: Executor, userId: string, passwordHash: string): Promise<void> {
  await db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', userId).execute()
}

/**
 * Locks the users' rows until the transaction ends (serializes their organization creation), in
 * the order of their ids, so two transactions locking some of the same users never deadlock.
 */
export async function lockUsers(db: Executor, userIds: readonly string[]): Promise<void> {
  await db
    .selectFrom('users')
    .select('id')
    .where(sql<boolean>`id = any(${[...userIds]}::uuid[])`)
    .orderBy('id')
    .forUpdate()
    .execute()
}
