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

/** What inviting `email` into an organization decides on, read in one round trip. */
export interface InvitationFacts {
  /** The inviter's roles there; undefined when they are not a member (or it is gone). */
  inviterRoles: RoleName[] | undefined
  /** Whether the email belongs to a member already. */
  emailIsMember: boolean
  /** The pending invitation to this email, expired or not. */
  pending: { id: string; expiresAt: Date } | undefined
  /**
   * An upper bound of the organization's pending invitations (the tally of migration 0012 also
   * counts those whose time has passed), plus `max_connections`: no more than that many
   * invitations can be in flight at once, each on its own connection.
   */
  pendingBoundWithInFlight: number
  /**
   * The organization's pending invitations as of the lock (the tally, which also counts those
   * whose time has passed): exact but for invitations being made by transactions still in flight.
   */
  pendingTally: number
  /** Rows the organization's tally is spread over (one per connection that changed it). */
  tallyRows: number
}

/** An invitation about to be made: into which organization, by whom, to which email. */
export interface InvitationAsked {
  organizationId: string
  inviterId: string
  email: string
}

/**
 * The facts of invitations about to be made, in their order, read in one statement. Read after
 * the organizations' rows are locked (see services/invitations), which tells whether they still
 * exist, in a statement of its own, so that they are as of that lock.
 */
export async function findInvitationFacts(
  db: Executor,
  asked: readonly InvitationAsked[],
): Promise<InvitationFacts[]> {
  const records = asked.map((one, order) => ({
    order,
    organization_id: one.organizationId,
    inviter_id: one.inviterId,
    email: normalizeEmail(one.email),
  }))
  // Each fact is a subquery by keys: the user by email before their membership, since a plan
  // that scans the organization's members instead reads them all.
  const { rows } = await sql<{
    order: number
    inviter_roles: string[] | null
    email_is_member: boolean
    pending_id: string | null
    pending_expires_at: Date | null
    tally: string
    bound: string
    tally_rows: string
  }>`
    with asked as (
      select * from jsonb_to_recordset(${JSON.stringify(records)}::jsonb) as a ("order" int,
        organization_id uuid, inviter_id uuid, email text)
    )
    select asked."order",
      (select roles from memberships where organization_id = asked.organization_id
        and user_id = asked.inviter_id) as inviter_roles,
      exists (select 1 from memberships where organization_id = asked.organization_id
        and user_id = (select id from users where lower(email) = asked.email)) as email_is_member,
      pending.id as pending_id, pending.expires_at as pending_expires_at,
      (select coalesce(sum(pending), 0) from invitation_tallies
        where organization_id = asked.organization_id) as tally,
      (select coalesce(sum(pending), 0) from invitation_tallies where organization_id = asked.organization_id)
        + current_setting('max_connections')::int as bound,
      (select count(*) from invitation_tallies where organization_id = asked.organization_id) as tally_rows
    from asked
    -- one index lookup per call ("limit 1" keeps the planner from joining all pending invitations)
    left join lateral (select id, expires_at from invitations where organization_id = asked.organization_id
      and lower(email) = asked.email and status = 'pending' limit 1) pending on true`.execute(db)
  return asked.map((_, order) => {
    const row = rows.find((candidate) => candidate.order === order)
    if (!row) throw new Error(`no facts read for invitation ${order}`)
    return {
      inviterRoles: (row.inviter_roles ?? undefined) as RoleName[] | undefined,
      emailIsMember: Boolean(row.email_is_member),
      pending:
        row.pending_id && row.pending_expires_at
          ? { id: row.pending_id, expiresAt: row.pending_expires_at }
          : undefined,
      pendingTally: Number(row.tally),
      pendingBoundWithInFlight: Number(row.bound),
      tallyRows: Number(row.tally_rows),
    }
  })
}

/** Folds the organization's tally rows into this connection's one (they pile up as connections come and go). */
export async function foldInvitationTally(db: Executor, organizationId: string): Promise<void> {
  await sql`
    with folded as (
      delete from invitation_tallies where organization_id = ${organizationId} and shard <> pg_backend_pid()
      returning pending
    )
    insert into invitation_tallies (organization_id, shard, pending)
    select ${organizationId}, pg_backend_pid(), coalesce(sum(pending), 0) from folded
    on conflict (organization_id, shard) do update set pending = invitation_tallies.pending + excluded.pending`.execute(
    db,
  )
}

/** An invitation to write (insertInvitations). */
export interface NewInvitation {
  organizationId: string
  email: string
  roles: RoleName[]
  tokenHash: string
  invitedBy: string
  expiresAt: Date
}

/**
 * Writes pending invitations in one statement; answers the ids of those written, by organization
 * id and lower-case email. One whose email has a pending invitation there already (the unique
 * index decides, also between two of `invitations`) is missing, and not written.
 */
export async function insertInvitations(
  db: Executor,
  invitations: readonly NewInvitation[],
  now: Date,
): Promise<Map<string, string>> {
  const records = invitations.map((invitation, order) => ({
    order,
    organization_id: invitation.organizationId,
    email: invitation.email,
    roles: invitation.roles,
    token_hash: invitation.tokenHash,
    invited_by: invitation.invitedBy,
    expires_at: invitation.expiresAt.toISOString(),
  }))
  const { rows } = await sql<{ id: string; organization_id: string; email: string }>`
    insert into invitations (organization_id, email, roles, status, token_hash, invited_by, created_at, expires_at)
    select organization_id, email, roles, 'pending', token_hash, invited_by, ${now}, expires_at::timestamptz
    from jsonb_to_recordset(${JSON.stringify(records)}::jsonb) as i ("order" int, organization_id uuid,
      email text, roles text[], token_hash text, invited_by uuid, expires_at text)
    order by "order"
    on conflict (organization_id, lower(email)) where status = 'pending' do nothing
    returning id, organization_id, email`.execute(db)
  return new Map(rows.map((row) => [invitationSlot(row.organization_id, row.email), row.id]))
}

/** The key insertInvitations answers by: one pending invitation per organization and email. */
export function invitationSlot(organizationId: string, email: string): string {
  return `${organizationId} ${normalizeEmail(email)}`
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

/** How an invitee names an invitation: by its token's hash, or by its id with their (verified) email. */
export type InviteeKey = { tokenHash: string } | { id: string; email: string }

/** An invitation as its invitee reaches it, with its organization and its inviter's current roles. */
export interface InvitationForInvitee {
  invitation: Invitation
  organization: Organization
  /** Undefined when the inviter is no longer a member. */
  inviterRoles: RoleName[] | undefined
}

/** The invitation `key` names (one pending and to this email, when named by id); locked when `lock` (accept, decline). */
export async function findInvitationForInvitee(
  db: Executor,
  key: InviteeKey,
  options: { lock?: boolean } = {},
): Promise<InvitationForInvitee | undefined> {
  return (await findInvitationsForInvitees(db, [key], options))[0]
}

/**
 * The invitations `keys` name, in their order (undefined where none is), read in one statement and
 * locked when `lock`: by token hash, or by id when pending and to that email. Rows named by an id
 * whose email does not match are locked too, and not answered.
 */
export async function findInvitationsForInvitees(
  db: Executor,
  keys: readonly InviteeKey[],
  options: { lock?: boolean } = {},
): Promise<(InvitationForInvitee | undefined)[]> {
  const hashes = keys.flatMap((key) => ('tokenHash' in key ? [key.tokenHash] : []))
  const ids = keys.flatMap((key) => ('id' in key ? [key.id] : []))
  const emails = keys.flatMap((key) => ('id' in key ? [normalizeEmail(key.email)] : []))
  // The invitations first, each by an index (token_hash; the invitee's pending invitations by
  // email: an id alone has none), fenced in a CTE so that the planner cannot start from the
  // organization and read all of its pending invitations; arrays, so the text stays the same.
  const { rows } = await sql<
    InvitationRow & {
      token_hash: string
      inviter_roles: string[] | null
      organization_handle: string
      organization_name: string
      organization_logo_etag: string | null
      organization_created_by: string | null
      organization_created_at: Date
    }
  >`
    with found as materialized (
      select * from invitations
      where token_hash = any(${hashes}::text[])
        or (lower(email) = any(${emails}::text[]) and status = 'pending' and id = any(${ids}::uuid[]))
      ${options.lock ? sql`for update` : sql``}
    )
    select found.id, found.organization_id, found.email, found.roles, found.status, found.invited_by,
      found.created_at, found.expires_at, found.token_hash, inviter.name as inviter_name,
      inviter_membership.roles as inviter_roles,
      organizations.handle as organization_handle, organizations.name as organization_name,
      organizations.logo_etag as organization_logo_etag, organizations.created_by as organization_created_by,
      organizations.created_at as organization_created_at
    from found
    join organizations on organizations.id = found.organization_id
    left join users inviter on inviter.id = found.invited_by
    left join memberships inviter_membership on inviter_membership.organization_id = found.organization_id
      and inviter_membership.user_id = found.invited_by`.execute(db)
  return keys.map((key) => {
    const row = rows.find((candidate) =>
      'tokenHash' in key
        ? candidate.token_hash === key.tokenHash
        : candidate.id === key.id &&
          candidate.status === 'pending' &&
          normalizeEmail(candidate.email) === normalizeEmail(key.email),
    )
    return (
      row && {
        invitation: invitationRowToInvitation(row),
        organization: organizationOfInvitation(row),
        inviterRoles: (row.inviter_roles ?? undefined) as RoleName[] | undefined,
      }
    )
  })
}

/** An invitation accepted by its invitee (recordAcceptances). */
export interface Acceptance {
  organizationId: string
  invitationId: string
  userId: string
  roles: RoleName[]
  /** A session with no active organization, whose active organization this one becomes (and the user's remembered one). */
  activateForSession?: string
  /** Whether the invitee's email is verified already, as the caller was authenticated (once verified, always). */
  emailVerified: boolean
}

/**
 * Accepts invitations in one statement: for each, the membership (unless the user is one already:
 * then nothing of it is written and it is missing from the answer), the invitation marked
 * accepted, and the user's email verified if it was not. Answers each member's email and name, by
 * invitation id. Two acceptances of one user into one organization must not be given together.
 */
export async function recordAcceptances(
  db: Executor,
  acceptances: readonly Acceptance[],
  now: Date,
): Promise<Map<string, { email: string; name: string }>> {
  const records = acceptances.map((acceptance, order) => ({
    order,
    organization_id: acceptance.organizationId,
    invitation_id: acceptance.invitationId,
    user_id: acceptance.userId,
    roles: acceptance.roles,
    activate_for: acceptance.activateForSession ?? null,
  }))
  const activates = acceptances.some((acceptance) => acceptance.activateForSession !== undefined)
  const verifies = activates || acceptances.some((acceptance) => !acceptance.emailVerified)
  const { rows } = await sql<{ invitation_id: string; email: string; name: string }>`
    with acceptance as (
      select * from jsonb_to_recordset(${JSON.stringify(records)}::jsonb) as a ("order" int,
        organization_id uuid, invitation_id uuid, user_id uuid, roles text[], activate_for uuid)
    ), joined as (
      insert into memberships (organization_id, user_id, roles, joined_at)
      select organization_id, user_id, roles, ${now} from acceptance order by "order"
      on conflict (organization_id, user_id) do nothing
      returning organization_id, user_id
    ), taken as (
      select acceptance.* from acceptance join joined using (organization_id, user_id)
    ), accepted as (
      -- "= any(array(…))" makes each row found by its key (see organizations.repository).
      update invitations set status = 'accepted', responded_at = ${now}
      from taken where invitations.organization_id = taken.organization_id and invitations.id = taken.invitation_id
        and invitations.organization_id = any(array(select organization_id from taken))
        and invitations.id = any(array(select invitation_id from taken))
    )${
      // An update that changes no row still runs its table's statement triggers (access
      // announcements: 0.1–0.2 ms each per group), so neither is issued when nothing needs it.
      verifies
        ? sql`, verified as (
      update users set email_verified_at = coalesce(users.email_verified_at, ${now}),
        last_active_organization_id = case when taken.activate_for is null then users.last_active_organization_id
          else taken.organization_id end
      from taken where users.id = taken.user_id and users.id = any(array(select user_id from taken))
        and (users.email_verified_at is null or taken.activate_for is not null)
    )`
        : sql``
    }${
      activates
        ? sql`, active as (
      update sessions set active_organization_id = taken.organization_id
      from taken where sessions.id = taken.activate_for
        and sessions.id = any(array(select activate_for from taken where activate_for is not null))
    )`
        : sql``
    }
    select taken.invitation_id, users.email, users.name from taken join users on users.id = taken.user_id`.execute(
    db,
  )
  return new Map(rows.map((row) => [row.invitation_id, { email: row.email, name: row.name }]))
}

/** The organization's pending, unexpired invitations, counted up to `upTo` (no further is needed). */
export async function countPendingInvitations(
  db: Executor,
  organizationId: string,
  now: Date,
  upTo: number,
): Promise<number> {
  const row = await db
    .selectFrom((eb) =>
      eb
        .selectFrom('invitations')
        .select(sql`1`.as('one'))
        .where('organization_id', '=', organizationId)
        .where(sql<boolean>`status = 'pending'`)
        .where('expires_at', '>', now)
        .limit(upTo)
        .as('pending'),
    )
    .select((eb) => eb.fn.countAll<string>().as('count'))
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
