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

/**
 * Creates an organization in one statement: the organization, its creator as its only owner, its
 * environments, its developer identity's row, and the organization made active for the creator's
 * session and remembered for the creator. Undefined when the handle is taken (the unique index
 * decides, and then nothing is written).
 */
export async function insertOrganizationWithOwner(
  db: Executor,
  organization: {
    id: string
    handle: string
    name: string
    createdBy: string
    now: Date
    environments: readonly string[]
    developer: { provider: string; state: DeveloperState }
    activeForSession: string
  },
): Promise<Organization | undefined> {
  const { developer } = organization
  const { rows } = await sql<OrganizationRow>`
    with organization as (
      insert into organizations (id, handle, name, created_by, created_at)
      values (${organization.id}, ${organization.handle}, ${organization.name}, ${organization.createdBy}, ${organization.now})
      on conflict (handle) do nothing
      returning id, handle, name, logo_etag, created_by, created_at
    ), owner as (
      insert into memberships (organization_id, user_id, roles, joined_at)
      select id, ${organization.createdBy}, array['owner'], ${organization.now} from organization
    ), environments as (
      insert into environments (organization_id, name, created_at)
      select organization.id, environment.name, ${organization.now}
      from organization, unnest(${[...organization.environments]}::text[]) as environment (name)
    ), developer as (
      insert into developers (organization_id, provider, state, synced_at, created_at)
      select id, ${developer.provider}, ${developer.state},
        ${developer.state === 'active' ? organization.now : null}::timestamptz, ${organization.now}
      from organization
    ), active as (
      update sessions set active_organization_id = organization.id
      from organization where sessions.id = ${organization.activeForSession}
    ), remembered as (
      update users set last_active_organization_id = organization.id
      from organization where users.id = ${organization.createdBy}
    )
    select * from organization`.execute(db)
  const row = rows[0]
  return row && organizationRowToOrganization(row)
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
  const row = await db
    .selectFrom('organizations')
    .select(organizationColumns)
    .where('id', '=', organizationId)
    .forUpdate()
    .executeTakeFirst()
  return row && organizationRowToOrganization(row)
}

export async function countOrganizationsCreatedBy(db: Executor, userId: string): Promise<number> {
  const row = await db
    .selectFrom('organizations')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('created_by', '=', userId)
    .executeTakeFirstOrThrow()
  return Number(row.count)
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
