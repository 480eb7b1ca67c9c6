// Sessions, found by the SHA-256 of their token. Expiry slides: touching a session moves its end
// (never past the absolute end the service computes from its sign-in time, `createdAt`).
// The lookup that authenticates a request also resolves the organization the path names and the
// caller's membership in it: one query per request decides who is calling and what they may do.
import { sql } from 'kysely'
import { organizationReference } from '../domain/handles.ts'
import type { Organization } from '../domain/organizations.ts'
import type { RoleName } from '../domain/permissions.ts'
import type { User } from '../domain/users.ts'
import type { Executor } from './executor.ts'
import { organizationRowToOrganization } from './organizations.repository.ts'
import { userRowToUser } from './users.repository.ts'

export interface Session {
  id: string
  userId: string
  /** When the user signed in: the session cannot outlive a fixed time after it. */
  createdAt: Date
  lastSeenAt: Date
  expiresAt: Date
  activeOrganizationId: string | null
  /** The user's remembered organization (where their next sign-in starts), when read with it. */
  rememberedOrganizationId?: string | null
}

export interface SessionMembership {
  organization: Organization
  roles: RoleName[]
  joinedAt: Date
}

export async function insertSession(
  db: Executor,
  session: {
    tokenHash: string
    userId: string
    now: Date
    expiresAt: Date
    activeOrganizationId?: string | null
    userAgent?: string | null
  },
): Promise<void> {
  await db
    .insertInto('sessions')
    .values({
      token_hash: session.tokenHash,
      user_id: session.userId,
      created_at: session.now,
      last_seen_at: session.now,
      expires_at: session.expiresAt,
      active_organization_id: session.activeOrganizationId ?? null,
      user_agent: session.userAgent ?? null,
    })
    .execute()
}

/**
 * The live sessions with these token hashes and their users, when no organization is named, by
 * token hash (those not live are missing): the user comes from a subquery on its key, not a join —
 * planning a join (every run is planned with its values) cost PostgreSQL five times what reading
 * both rows does (0.16 against 0.03 ms).
 */
export async function findLiveSessions(
  db: Executor,
  tokenHashes: readonly string[],
  now: Date,
): Promise<Map<string, { session: Session; user: User }>> {
  const { rows } = await sql<{
    token_hash: string
    id: string
    created_at: Date
    last_seen_at: Date
    expires_at: Date
    active_organization_id: string | null
    user: [
      id: string,
      email: string,
      name: string,
      verifiedAt: string | null,
      createdAt: string,
      remembered: string | null,
    ]
  }>`
    select s.token_hash, s.id, s.created_at, s.last_seen_at, s.expires_at, s.active_organization_id,
      (select json_build_array(u.id, u.email, u.name, u.email_verified_at, u.created_at, u.last_active_organization_id)
       from users u where u.id = s.user_id) as "user"
    from sessions s where s.token_hash = any(${[...tokenHashes]}::text[]) and s.expires_at > ${now}`.execute(
    db,
  )
  return new Map(
    rows.map((row) => {
      const [id, email, name, verifiedAt, createdAt, remembered] = row.user
      const session: Session = {
        id: row.id,
        userId: id,
        createdAt: row.created_at,
        lastSeenAt: row.last_seen_at,
        expiresAt: row.expires_at,
        activeOrganizationId: row.active_organization_id,
        rememberedOrganizationId: remembered,
      }
      const user = userRowToUser({
        id,
        email,
        name,
        email_verified_at: verifiedAt === null ? null : new Date(verifiedAt),
        created_at: new Date(createdAt),
      })
      return [row.token_hash, { session, user }]
    }),
  )
}

/**
 * The live session with this token hash and its user, and, when `organizationRef` is given, that
 * organization and the user's membership in it (undefined for a non-member: they must not learn
 * whether it exists).
 */
export async function findLiveSession(
  db: Executor,
  tokenHash: string,
  now: Date,
  organizationRef?: string,
): Promise<{ session: Session; user: User; membership?: SessionMembership } | undefined> {
  const ref = organizationRef === undefined ? undefined : organizationReference(organizationRef)
  if (ref === undefined) return (await findLiveSessions(db, [tokenHash], now)).get(tokenHash)
  const row = await db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .leftJoin('organizations', (join) => join.on(`organizations.${ref.column}`, '=', ref.value))
    .leftJoin('memberships', (join) =>
      join
        .onRef('memberships.organization_id', '=', 'organizations.id')
        .onRef('memberships.user_id', '=', 'users.id'),
    )
    .select([
      'sessions.id as session_id',
      'sessions.created_at as session_created_at',
      'sessions.last_seen_at',
      'sessions.expires_at',
      'sessions.active_organization_id',
      'users.last_active_organization_id',
      'users.id',
      'users.email',
      'users.name',
      'users.email_verified_at',
      'users.created_at',
      'organizations.id as organization_id',
      'organizations.handle as organization_handle',
      'organizations.name as organization_name',
      'organizations.logo_etag as organization_logo_etag',
      'organizations.created_by as organization_created_by',
      'organizations.created_at as organization_created_at',
      'memberships.roles',
      'memberships.joined_at',
    ])
    .where('sessions.token_hash', '=', tokenHash)
    .where('sessions.expires_at', '>', now)
    .executeTakeFirst()
  if (!row) return undefined
  const membership =
    row.organization_id &&
    row.roles &&
    row.joined_at &&
    row.organization_handle &&
    row.organization_created_at
      ? {
          organization: {
            id: row.organization_id,
            handle: row.organization_handle,
            name: row.organization_name ?? '',
            logoEtag: row.organization_logo_etag ?? null,
            createdBy: row.organization_created_by ?? null,
            createdAt: row.organization_created_at,
          },
          roles: row.roles as RoleName[],
          joinedAt: row.joined_at,
        }
      : undefined
  return {
    session: {
      id: row.session_id,
      userId: row.id,
      createdAt: row.session_created_at,
      lastSeenAt: row.last_seen_at,
      expiresAt: row.expires_at,
      activeOrganizationId: row.active_organization_id,
      rememberedOrganizationId: row.last_active_organization_id,
    },
    user: userRowToUser(row),
    membership,
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

export interface SessionSummary {
  id: string
  createdAt: Date
  lastSeenAt: Date
  expiresAt: Date
  userAgent: string | null
}

/** The user's live sessions, the most recently signed-in first. */
export async function listLiveSessionsOfUser(
  db: Executor,
  userId: string,
  now: Date,
): Promise<SessionSummary[]> {
  const rows = await db
    .selectFrom('sessions')
    .select(['id', 'created_at', 'last_seen_at', 'expires_at', 'user_agent'])
    .where('user_id', '=', userId)
    .where('expires_at', '>', now)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .execute()
  return rows.map((row) => ({
    id: row.id,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    expiresAt: row.expires_at,
    userAgent: row.user_agent,
  }))
}

/** Deletes one of the user's sessions; false when the user has no session with that id. */
export async function deleteSessionOfUser(db: Executor, userId: string, sessionId: string): Promise<boolean> {
  const result = await db
    .deleteFrom('sessions')
    .where('id', '=', sessionId)
    .where('user_id', '=', userId)
    .executeTakeFirst()
  return Number(result.numDeletedRows) > 0
}

export async function deleteSessionsOfUser(db: Executor, userId: string): Promise<number> {
  const result = await db.deleteFrom('sessions').where('user_id', '=', userId).executeTakeFirst()
  return Number(result.numDeletedRows)
}

/**
 * Makes the organization `ref` names (id or handle) active for this session and remembered for the
 * user, if the user is a member of it: one statement that writes only what differs (a switch to
 * the organization already active writes nothing, so it commits without a flush and announces
 * nothing). Answers the membership, or undefined for a non-member.
 */
export async function switchActiveOrganization(
  db: Executor,
  session: { sessionId: string; userId: string },
  ref: string,
): Promise<SessionMembership | undefined> {
  const reference = organizationReference(ref)
  if (!reference) return undefined
  const { column, value } = reference
  const { rows } = await sql<{
    id: string
    handle: string
    name: string
    logo_etag: string | null
    created_by: string | null
    created_at: Date
    roles: string[]
    joined_at: Date
  }>`
    with target as (
      select o.id, o.handle, o.name, o.logo_etag, o.created_by, o.created_at, m.roles, m.joined_at
      from organizations o
      join memberships m on m.organization_id = o.id and m.user_id = ${session.userId}
      where o.${sql.ref(column)} = ${value}
    ), active as (
      update sessions set active_organization_id = target.id from target
      where sessions.id = ${session.sessionId} and sessions.active_organization_id is distinct from target.id
    ), remembered as (
      update users set last_active_organization_id = target.id from target
      where users.id = ${session.userId} and users.last_active_organization_id is distinct from target.id
    )
    select * from target`.execute(db)
  const row = rows[0]
  if (!row) return undefined
  return {
    organization: organizationRowToOrganization(row),
    roles: row.roles as RoleName[],
    joinedAt: row.joined_at,
  }
}

/** Forgets the organization as active for a user who left it or was removed from it. */
export async function clearActiveOrganization(
  db: Executor,
  userId: string,
  organizationId: string,
): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ active_organization_id: null })
    .where('user_id', '=', userId)
    .where('active_organization_id', '=', organizationId)
    .execute()
  await db
    .updateTable('users')
    .set({ last_active_organization_id: null })
    .where('id', '=', userId)
    .where('last_active_organization_id', '=', organizationId)
    .execute()
}

/** The organization the user last worked in, if they still belong to it. */
export async function findRememberedOrganization(db: Executor, userId: string): Promise<string | null> {
  const row = await db
    .selectFrom('users')
    .innerJoin('memberships', (join) =>
      join
        .onRef('memberships.organization_id', '=', 'users.last_active_organization_id')
        .onRef('memberships.user_id', '=', 'users.id'),
    )
    .select('memberships.organization_id')
    .where('users.id', '=', userId)
    .executeTakeFirst()
  return row?.organization_id ?? null
}
