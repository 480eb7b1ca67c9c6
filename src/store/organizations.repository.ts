// Organizations and their logos. `{org}` in a path is an id or a handle; both resolve here.

import { sql } from 'kysely'
import { organizationReference } from '../domain/handles.ts'
import type { Organization } from '../domain/organizations.ts'
import type { DeveloperState } from './developers.repository.ts'
import type { Executor } from './executor.ts'
import type { OrganizationsTable } from './tables.ts'

type OrganizationRow = Omit<OrganizationsTable, 'id'> & { id: string }

export function organizationRowToOrganization(row: OrganizationRow): Organization {
  return {
    id: row.id,
    handle: row.handle,
    name: row.name,
    logoEtag: row.logo_etag,
    createdAt: row.created_at,
    createdBy: row.created_by,
  }
}

export const organizationColumns = ['id', 'handle', 'name', 'logo_etag', 'created_by', 'created_at'] as const

/** A new organization as its creation writes it (insertOrganizationsWithOwners). */
export interface OrganizationCreation {
  id: string
  handle: string
  name: string
  createdBy: string
  developer: { provider: string; state: DeveloperState }
  activeForSession: string
}

/**
 * Creates organizations in one statement: for each, the organization, its creator as its only
 * owner, its environments, its developer identity's row, and the organization made active for the
 * creator's session and remembered for the creator. Answers the organizations written, by id; one
 * whose handle is taken (the unique index decides, also between two of `creations`) is missing,
 * and nothing of it is written.
 */
export async function insertOrganizationsWithOwners(
  db: Executor,
  creations: readonly OrganizationCreation[],
  options: { now: Date; environments: readonly string[] },
): Promise<Map<string, Organization>> {
  const { now } = options
  const records = creations.map((creation, order) => ({
    order,
    id: creation.id,
    handle: creation.handle,
    name: creation.name,
    created_by: creation.createdBy,
    session_id: creation.activeForSession,
    provider: creation.developer.provider,
    state: creation.developer.state,
  }))
  const { rows } = await sql<OrganizationRow>`
    with creation as (
      select * from jsonb_to_recordset(${JSON.stringify(records)}::jsonb) as c ("order" int, id uuid,
        handle text, name text, created_by uuid, session_id uuid, provider text, state text)
    ), organization as (
      insert into organizations (id, handle, name, created_by, created_at)
      select id, handle, name, created_by, ${now} from creation order by "order"
      on conflict (handle) do nothing
      returning id, handle, name, logo_etag, created_by, created_at
    ), owner as (
      insert into memberships (organization_id, user_id, roles, joined_at)
      select id, created_by, array['owner'], ${now} from organization
    ), environments as (
      insert into environments (organization_id, name, created_at)
      select organization.id, environment.name, ${now}
      from organization, unnest(${[...options.environments]}::text[]) as environment (name)
    ), developer as (
      insert into developers (organization_id, provider, state, synced_at, created_at)
      select creation.id, creation.provider, creation.state,
        case when creation.state = 'active' then ${now}::timestamptz end, ${now}
      from organization join creation using (id)
    ), active as (
      -- "= any(array(…))" makes each row found by its key: joined to the creations alone, the
      -- planner guesses 100 of them and scans the whole table.
      update sessions set active_organization_id = creation.id
      from organization join creation using (id) where sessions.id = creation.session_id
        and sessions.id = any(array(select session_id from creation))
    ), remembered as (
      update users set last_active_organization_id = organization.id
      from organization where users.id = organization.created_by
        and users.id = any(array(select created_by from creation))
    )
    select * from organization`.execute(db)
  return new Map(rows.map((row) => [row.id, organizationRowToOrganization(row)]))
}

/**
 * Locks the organization's row in share (KEY SHARE: the lock a foreign key to it takes) until the
 * transaction ends: any number of holders, but none while someone holds it FOR UPDATE. False when
 * the organization is gone.
 */
export async function lockOrganizationShared(db: Executor, organizationId: string): Promise<boolean> {
  const row = await db
    .selectFrom('organizations')
    .select('id')
    .where('id', '=', organizationId)
    .forKeyShare()
    .executeTakeFirst()
  return row !== undefined
}

/** Inserts an organization; undefined when the handle is taken (the unique index decides). */
export async function insertOrganization(
  db: Executor,
  organization: { id?: string; handle: string; name: string; createdBy: string; now: Date },
): Promise<Organization | undefined> {
  const row = await db
    .insertInto('organizations')
    .values({
      ...(organization.id ? { id: organization.id } : {}),
      handle: organization.handle,
      name: organization.name,
      created_by: organization.createdBy,
      created_at: organization.now,
    })
    .onConflict((oc) => oc.column('handle').doNothing())
    .returning(organizationColumns)
    .executeTakeFirst()
  return row && organizationRowToOrganization(row)
}

/** The organization by its id, if it still exists (background work: no caller's membership). */
export async function findOrganizationById(
  db: Executor,
  organizationId: string,
): Promise<Organization | undefined> {
  const row = await db
    .selectFrom('organizations')
    .select(organizationColumns)
    .where('id', '=', organizationId)
    .executeTakeFirst()
  return row && organizationRowToOrganization(row)
}

/** Locks the organization's row until the transaction ends: changes to its owners serialize on it. */
export async function lockOrganization(
  db: Executor,
  organizationId: string,
): Promise<Organization | undefined> {
  return (await lockOrganizations(db, [organizationId])).get(organizationId)
}

/**
 * Locks the organizations' rows FOR UPDATE until the transaction ends, in the order of their ids
 * (two transactions locking some of the same never deadlock); answers those that exist, by id.
 */
export async function lockOrganizations(
  db: Executor,
  organizationIds: readonly string[],
): Promise<Map<string, Organization>> {
  const rows = await db
    .selectFrom('organizations')
    .select(organizationColumns)
    .where(sql<boolean>`id = any(${[...organizationIds]}::uuid[])`)
    .orderBy('id')
    .forUpdate()
    .execute()
  return new Map(rows.map((row) => [row.id, organizationRowToOrganization(row)]))
}

/** How many organizations each of `userIds` created (those who created none are missing). */
export async function countOrganizationsCreatedByEach(
  db: Executor,
  userIds: readonly string[],
): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('organizations')
    .select((eb) => ['created_by', eb.fn.countAll<string>().as('count')])
    .where(sql<boolean>`created_by = any(${[...userIds]}::uuid[])`)
    .groupBy('created_by')
    .execute()
  return new Map(rows.map((row) => [row.created_by ?? '', Number(row.count)]))
}

/** Whether an organization has this handle (handles are stored lowercase). */
export async function isHandleTaken(db: Executor, handle: string): Promise<boolean> {
  const row = await db
    .selectFrom('organizations')
    .select('id')
    .where('handle', '=', handle)
    .executeTakeFirst()
  return row !== undefined
}

export async function updateOrganization(
  db: Executor,
  organizationId: string,
  change: { name?: string; logoEtag?: string | null },
): Promise<Organization> {
  const row = await db
    .updateTable('organizations')
    .set({
      ...(change.name !== undefined ? { name: change.name } : {}),
      ...(change.logoEtag !== undefined ? { logo_etag: change.logoEtag } : {}),
    })
    .where('id', '=', organizationId)
    .returning(organizationColumns)
    .executeTakeFirstOrThrow()
  return organizationRowToOrganization(row)
}

/** Deletes the organization; memberships, logo and everything it owns go with it (foreign keys cascade). */
export async function deleteOrganization(db: Executor, organizationId: string): Promise<void> {
  await db.deleteFrom('organizations').where('id', '=', organizationId).execute()
}

export interface Logo {
  contentType: string
  bytes: Buffer
  etag: string
  updatedAt: Date
}

export async function upsertLogo(
  db: Executor,
  organizationId: string,
  logo: { contentType: string; bytes: Buffer; etag: string; now: Date },
): Promise<void> {
  await db
    .insertInto('organization_logos')
    .values({
      organization_id: organizationId,
      content_type: logo.contentType,
      bytes: logo.bytes,
      etag: logo.etag,
      updated_at: logo.now,
    })
    .onConflict((oc) =>
      oc.column('organization_id').doUpdateSet({
        content_type: logo.contentType,
        bytes: logo.bytes,
        etag: logo.etag,
        updated_at: logo.now,
      }),
    )
    .execute()
}

export async function deleteLogo(db: Executor, organizationId: string): Promise<boolean> {
  const result = await db
    .deleteFrom('organization_logos')
    .where('organization_id', '=', organizationId)
    .executeTakeFirst()
  return Number(result.numDeletedRows) > 0
}

export async function findLogo(db: Executor, organizationId: string): Promise<Logo | undefined> {
  const row = await db
    .selectFrom('organization_logos')
    .select(['content_type', 'bytes', 'etag', 'updated_at'])
    .where('organization_id', '=', organizationId)
    .executeTakeFirst()
  return (
    row && {
      contentType: row.content_type,
      bytes: Buffer.from(row.bytes),
      etag: row.etag,
      updatedAt: row.updated_at,
    }
  )
}

/** The organization `ref` names, if `userId` is a member of it. */
export async function findMembershipByReference(
  db: Executor,
  userId: string,
  ref: string,
): Promise<{ organizationId: string } | undefined> {
  const reference = organizationReference(ref)
  if (!reference) return undefined
  const { column, value } = reference
  return db
    .selectFrom('organizations')
    .innerJoin('memberships', 'memberships.organization_id', 'organizations.id')
    .select('organizations.id as organizationId')
    .where(`organizations.${column}`, '=', value)
    .where('memberships.user_id', '=', userId)
    .executeTakeFirst()
}
