// Memberships: who belongs to which organization, with which roles, since when. Every query is
// scoped by organization_id first, so an id from another organization never matches.
import { sql } from 'kysely'
import type { Member, MembershipOfUser } from '../domain/organizations.ts'
import type { RoleName } from '../domain/permissions.ts'
import type { Executor } from './executor.ts'
import { organizationColumns, organizationRowToOrganization } from './organizations.repository.ts'

export interface MemberKey {
  joinedAt: Date
  userId: string
}

const memberColumns = [
  'memberships.user_id',
  'memberships.roles',
  'memberships.joined_at',
  'users.email',
  'users.name',
] as const

function memberRowToMember(row: {
  user_id: string
  roles: string[]
  joined_at: Date
  email: string
  name: string
}): Member {
  return {
    userId: row.user_id,
    email: row.email,
    name: row.name,
    roles: row.roles as RoleName[],
    joinedAt: row.joined_at,
  }
}

export async function insertMembership(
  db: Executor,
  membership: { organizationId: string; userId: string; roles: RoleName[]; now: Date },
): Promise<boolean> {
  const result = await db
    .insertInto('memberships')
    .values({
      organization_id: membership.organizationId,
      user_id: membership.userId,
      roles: membership.roles,
      joined_at: membership.now,
    })
    .onConflict((oc) => oc.columns(['organization_id', 'user_id']).doNothing())
    .returning('user_id')
    .executeTakeFirst()
  return result !== undefined
}

export async function findMember(
  db: Executor,
  organizationId: string,
  userId: string,
): Promise<Member | undefined> {
  const row = await db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select(memberColumns)
    .where('memberships.organization_id', '=', organizationId)
    .where('memberships.user_id', '=', userId)
    .executeTakeFirst()
  return row && memberRowToMember(row)
}

export async function countOwners(db: Executor, organizationId: string): Promise<number> {
  const row = await db
    .selectFrom('memberships')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('organization_id', '=', organizationId)
    .where(sql<boolean>`'owner' = any(roles)`)
    .executeTakeFirstOrThrow()
  return Number(row.count)
}

export async function updateMemberRoles(
  db: Executor,
  organizationId: string,
  userId: string,
  roles: RoleName[],
): Promise<void> {
  await db
    .updateTable('memberships')
    .set({ roles })
    .where('organization_id', '=', organizationId)
    .where('user_id', '=', userId)
    .execute()
}

export async function deleteMembership(db: Executor, organizationId: string, userId: string): Promise<void> {
  await db
    .deleteFrom('memberships')
    .where('organization_id', '=', organizationId)
    .where('user_id', '=', userId)
    .execute()
}

/**
 * What a member search matches: name and email, lowercased, joined by a unit separator. Spelled
 * exactly as the trigram index of migration 0007 is, or PostgreSQL would not use the index.
 */
const memberSearchText = sql<string>`lower(users.name) || E'\\x1f' || lower(users.email)`

/** A page of members in join order, after `after`, optionally matching `query` in name or email. */
export async function listMembers(
  db: Executor,
  organizationId: string,
  page: { limit: number; after?: MemberKey; query?: string },
): Promise<Member[]> {
  let select = db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select(memberColumns)
    .where('memberships.organization_id', '=', organizationId)
  if (page.after) {
    const { joinedAt, userId } = page.after
    select = select.where(
      sql<boolean>`(memberships.joined_at, memberships.user_id) > (${joinedAt}, ${userId}::uuid)`,
    )
  }
  if (page.query) {
    // The separator cannot be part of a term (it is dropped), so no match spans name and email.
    const term = page.query.toLowerCase().replaceAll('\x1f', '')
    const pattern = `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
    select = select.where(memberSearchText, 'like', pattern)
  }
  const rows = await select
    .orderBy('memberships.joined_at')
    .orderBy('memberships.user_id')
    .limit(page.limit)
    .execute()
  return rows.map(memberRowToMember)
}

/**
 * The organizations of a user, in the order they joined them. Each membership finds its
 * organization by a primary-key lookup (LATERAL … LIMIT 1, which the planner cannot flatten into a
 * hash join): a plain join made PostgreSQL scan every organization of the instance for a user in
 * many of them (16.7 ms at 100,000 organizations, against 1.9 ms this way).
 */
export async function listMembershipsOfUser(
  db: Executor,
  userId: string,
  page: { limit?: number; after?: { joinedAt: Date; organizationId: string } } = {},
): Promise<MembershipOfUser[]> {
  let select = db
    .selectFrom('memberships')
    .innerJoinLateral(
      (eb) =>
        eb
          .selectFrom('organizations')
          .select(organizationColumns)
          .whereRef('organizations.id', '=', 'memberships.organization_id')
          .limit(1)
          .as('organization'),
      (join) => join.onTrue(),
    )
    .select([
      ...organizationColumns.map((column) => `organization.${column}` as const),
      'memberships.roles',
      'memberships.joined_at',
    ])
    .where('memberships.user_id', '=', userId)
  if (page.after) {
    const { joinedAt, organizationId } = page.after
    select = select.where(
      sql<boolean>`(memberships.joined_at, memberships.organization_id) > (${joinedAt}, ${organizationId}::uuid)`,
    )
  }
  let ordered = select.orderBy('memberships.joined_at').orderBy('memberships.organization_id')
  if (page.limit !== undefined) ordered = ordered.limit(page.limit)
  const rows = await ordered.execute()
  return rows.map((row) => ({
    organization: organizationRowToOrganization(row),
    roles: row.roles as RoleName[],
    joinedAt: row.joined_at,
  }))
}

/** The roles of a user in the organization; undefined when they are not a member. */
export async function findRoles(
  db: Executor,
  organizationId: string,
  userId: string,
): Promise<RoleName[] | undefined> {
  const row = await db
    .selectFrom('memberships')
    .select('roles')
    .where('organization_id', '=', organizationId)
    .where('user_id', '=', userId)
    .executeTakeFirst()
  return row?.roles as RoleName[] | undefined
}

/**
 * Takes a share lock on a membership for the rest of the transaction: a removal of it (which
 * deletes the row) waits for this transaction, or this one waits for the removal and then finds
 * nothing. False when there is no such membership.
 */
export async function lockMembership(db: Executor, organizationId: string, userId: string): Promise<boolean> {
  const row = await db
    .selectFrom('memberships')
    .select('user_id')
    .where('organization_id', '=', organizationId)
    .where('user_id', '=', userId)
    .forShare()
    .executeTakeFirst()
  return row !== undefined
}

/** The owners' names and emails (to tell them about something that needs their attention). */
export async function listOwnerContacts(
  db: Executor,
  organizationId: string,
): Promise<{ name: string; email: string }[]> {
  return db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select(['users.name', 'users.email'])
    .where('memberships.organization_id', '=', organizationId)
    .where(sql<boolean>`'owner' = any(memberships.roles)`)
    .orderBy('memberships.joined_at')
    .execute()
}
