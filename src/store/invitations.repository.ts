// Invitations, found by organization and id, or by the SHA-256 of their token. Rows stop here:
// the rest of the code sees `Invitation`.
import { sql } from 'kysely'
import { normalizeEmail } from '../domain/emails.ts'
import type { Invitation, InvitationStatus, StoredInvitationStatus } from '../domain/invitation-policy.ts'
import type { Organization } from '../domain/organizations.ts'
import type { RoleName } from '../domain/permissions.ts'
import type { Executor } from './executor.ts'
import { organizationRowToOrganization } from './organizations.repository.ts'

const invitationColumns = [
  'invitations.id',
  'invitations.organization_id',
  'invitations.email',
  'invitations.roles',
  'invitations.status',
  'invitations.invited_by',
  'invitations.created_at',
  'invitations.expires_at',
  'inviter.name as inviter_name',
] as const

interface InvitationRow {
  id: string
  organization_id: string
  email: string
  roles: string[]
  status: string
  invited_by: string | null
  created_at: Date
  expires_at: Date
  inviter_name: string | null
}

function invitationRowToInvitation(row: InvitationRow): Invitation {
  return {
    id: row.id,
    organizationId: row.organization_id,
    email: row.email,
    roles: row.roles as RoleName[],
    status: row.status as StoredInvitationStatus,
    // An inviter whose account is gone still appears, nameless.
    invitedBy: { userId: row.invited_by, name: row.inviter_name ?? 'A former member' },
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  }
}

// The organization of an invitation, selected beside it under prefixed names.
const organizationOfInvitationColumns = [
  'organizations.handle as organization_handle',
  'organizations.name as organization_name',
  'organizations.logo_etag as organization_logo_etag',
  'organizations.created_by as organization_created_by',
  'organizations.created_at as organization_created_at',
] as const

function organizationOfInvitation(row: {
  organization_id: string
  organization_handle: string
  organization_name: string
  organization_logo_etag: string | null
  organization_created_by: string | null
  organization_created_at: Date
}): Organization {
  return organizationRowToOrganization({
    id: row.organization_id,
    handle: row.organization_handle,
    name: row.organization_name,
    logo_etag: row.organization_logo_etag,
    created_by: row.organization_created_by,
    created_at: row.organization_created_at,
  })
}

function selectInvitations(db: Executor) {
  return db
    .selectFrom('invitations')
    .leftJoin('users as inviter', 'inviter.id', 'invitations.invited_by')
    .select(invitationColumns)
}

export async function insertInvitation(
  db: Executor,
  invitation: {
    organizationId: string
    email: string
    roles: RoleName[]
    tokenHash: string
    invitedBy: string
    now: Date
    expiresAt: Date
  },
): Promise<string | undefined> {
  const row = await db
    .insertInto('invitations')
    .values({
      organization_id: invitation.organizationId,
      email: invitation.email,
      roles: invitation.roles,
      status: 'pending',
      token_hash: invitation.tokenHash,
      invited_by: invitation.invitedBy,
      created_at: invitation.now,
      expires_at: invitation.expiresAt,
    })
    .onConflict((oc) =>
      oc.expression(sql`organization_id, lower(email)`).where('status', '=', 'pending').doNothing(),
    )
    .returning('id')
    .executeTakeFirst()
  return row?.id
}

export async function findInvitation(
  db: Executor,
  organizationId: string,
  id: string,
  options: { lock?: boolean } = {},
): Promise<Invitation | undefined> {
  let select = selectInvitations(db)
    .where('invitations.organization_id', '=', organizationId)
    .where('invitations.id', '=', id)
  if (options.lock) select = select.forUpdate('invitations')
  const row = await select.executeTakeFirst()
  return row && invitationRowToInvitation(row)
}

/**
 * The invitation with this token hash (or this id, pending and to this email) and its
 * organization; locked when `lock` (accept, decline).
 */
export async function findInvitationForInvitee(
  db: Executor,
  key: { tokenHash: string } | { id: string; email: string },
  options: { lock?: boolean } = {},
): Promise<{ invitation: Invitation; organization: Organization } | undefined> {
  let select = selectInvitations(db)
    .innerJoin('organizations', 'organizations.id', 'invitations.organization_id')
    .select(organizationOfInvitationColumns)
  select =
    'tokenHash' in key
      ? select.where('invitations.token_hash', '=', key.tokenHash)
      : select
          .where(sql<boolean>`lower(invitations.email) = ${normalizeEmail(key.email)}`)
          .where('invitations.status', '=', 'pending')
          .where('invitations.id', '=', key.id)
  if (options.lock) select = select.forUpdate('invitations')
  const row = await select.executeTakeFirst()
  if (!row) return undefined
  return { invitation: invitationRowToInvitation(row), organization: organizationOfInvitation(row) }
}

/** The pending invitation to this email in the organization, expired or not. */
export async function findPendingInvitationTo(
  db: Executor,
  organizationId: string,
  email: string,
): Promise<Invitation | undefined> {
  const row = await selectInvitations(db)
    .where('invitations.organization_id', '=', organizationId)
    .where(sql<boolean>`lower(invitations.email) = ${normalizeEmail(email)}`)
    .where('invitations.status', '=', 'pending')
    .executeTakeFirst()
  return row && invitationRowToInvitation(row)
}

export async function countPendingInvitations(
  db: Executor,
  organizationId: string,
  now: Date,
): Promise<number> {
  const row = await db
    .selectFrom('invitations')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('organization_id', '=', organizationId)
    .where('status', '=', 'pending')
    .where('expires_at', '>', now)
    .executeTakeFirstOrThrow()
  return Number(row.count)
}

export async function updateInvitation(
  db: Executor,
  organizationId: string,
  id: string,
  change: {
    status?: StoredInvitationStatus
    respondedAt?: Date
    tokenHash?: string
    expiresAt?: Date
    invitedBy?: string
  },
): Promise<void> {
  await db
    .updateTable('invitations')
    .set({
      ...(change.status ? { status: change.status } : {}),
      ...(change.respondedAt ? { responded_at: change.respondedAt } : {}),
      ...(change.tokenHash ? { token_hash: change.tokenHash } : {}),
      ...(change.expiresAt ? { expires_at: change.expiresAt } : {}),
      ...(change.invitedBy ? { invited_by: change.invitedBy } : {}),
    })
    .where('organization_id', '=', organizationId)
    .where('id', '=', id)
    .execute()
}

/** A page of an organization's invitations, newest first, optionally of one (derived) status. */
export async function listInvitations(
  db: Executor,
  organizationId: string,
  page: { limit: number; status?: InvitationStatus; now: Date; before?: { createdAt: Date; id: string } },
): Promise<Invitation[]> {
  let select = selectInvitations(db).where('invitations.organization_id', '=', organizationId)
  if (page.status === 'expired') {
    select = select
      .where('invitations.status', '=', 'pending')
      .where('invitations.expires_at', '<=', page.now)
  } else if (page.status === 'pending') {
    select = select.where('invitations.status', '=', 'pending').where('invitations.expires_at', '>', page.now)
  } else if (page.status) {
    select = select.where('invitations.status', '=', page.status)
  }
  if (page.before) {
    select = select.where(
      sql<boolean>`(invitations.created_at, invitations.id) < (${page.before.createdAt}, ${page.before.id}::uuid)`,
    )
  }
  const rows = await select
    .orderBy('invitations.created_at', 'desc')
    .orderBy('invitations.id', 'desc')
    .limit(page.limit)
    .execute()
  return rows.map(invitationRowToInvitation)
}

/** Pending, unexpired invitations to an email, across organizations, with each organization. */
export async function listPendingInvitationsTo(
  db: Executor,
  email: string,
  now: Date,
): Promise<{ invitation: Invitation; organization: Organization }[]> {
  const rows = await selectInvitations(db)
    .innerJoin('organizations', 'organizations.id', 'invitations.organization_id')
    .select(organizationOfInvitationColumns)
    .where(sql<boolean>`lower(invitations.email) = ${normalizeEmail(email)}`)
    .where('invitations.status', '=', 'pending')
    .where('invitations.expires_at', '>', now)
    .orderBy('invitations.created_at', 'desc')
    .limit(100)
    .execute()
  return rows.map((row) => ({
    invitation: invitationRowToInvitation(row),
    organization: organizationOfInvitation(row),
  }))
}
