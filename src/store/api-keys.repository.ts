// API keys of an organization's applications, and the lookup a gateway's verification needs.
import { sql } from 'kysely'
import type { ApiKey } from '../domain/portal.ts'
import type { Executor } from './executor.ts'

const keyColumns = [
  'api_keys.organization_id',
  'api_keys.id',
  'api_keys.application_id',
  'api_keys.name',
  'api_keys.prefix',
  'api_keys.last4',
  'api_keys.created_at',
  'api_keys.created_by',
  'api_keys.last_used_at',
  'api_keys.expires_at',
  'api_keys.revoked_at',
  'environments.name as environment',
] as const

interface KeyRow {
  organization_id: string
  id: string
  application_id: string
  name: string
  prefix: string
  last4: string
  created_at: Date
  created_by: string | null
  last_used_at: Date | null
  expires_at: Date | null
  revoked_at: Date | null
  environment: string
}

function keyRowToApiKey(row: KeyRow): ApiKey {
  return {
    id: row.id,
    organizationId: row.organization_id,
    applicationId: row.application_id,
    name: row.name,
    environment: row.environment,
    prefix: row.prefix,
    last4: row.last4,
    createdAt: row.created_at,
    createdBy: row.created_by,
    lastUsedAt: row.last_used_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  }
}

function selectKeys(db: Executor) {
  return db
    .selectFrom('api_keys')
    .innerJoin('environments', (join) =>
      join
        .onRef('environments.organization_id', '=', 'api_keys.organization_id')
        .onRef('environments.id', '=', 'api_keys.environment_id'),
    )
    .select(keyColumns)
}

export async function insertApiKey(
  db: Executor,
  key: {
    organizationId: string
    applicationId: string
    environmentId: string
    name: string
    prefix: string
    last4: string
    keyHash: string
    createdBy: string
    expiresAt: Date | null
    now: Date
  },
): Promise<string> {
  const row = await db
    .insertInto('api_keys')
    .values({
      organization_id: key.organizationId,
      application_id: key.applicationId,
      environment_id: key.environmentId,
      name: key.name,
      prefix: key.prefix,
      last4: key.last4,
      key_hash: key.keyHash,
      created_by: key.createdBy,
      expires_at: key.expiresAt,
      issued_expires_at: key.expiresAt,
      created_at: key.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return row.id
}

export async function findApiKey(
  db: Executor,
  organizationId: string,
  applicationId: string,
  id: string,
  lock = false,
): Promise<(ApiKey & { environmentId: string; issuedExpiresAt: Date | null }) | undefined> {
  let select = selectKeys(db)
    .select(['api_keys.environment_id', 'api_keys.issued_expires_at'])
    .where('api_keys.organization_id', '=', organizationId)
    .where('api_keys.application_id', '=', applicationId)
    .where('api_keys.id', '=', id)
  if (lock) select = select.forUpdate('api_keys')
  const row = await select.executeTakeFirst()
  return (
    row && {
      ...keyRowToApiKey(row),
      environmentId: row.environment_id,
      issuedExpiresAt: row.issued_expires_at,
    }
  )
}

/** The keys of an application that are not revoked, newest first. */
export async function listApiKeys(
  db: Executor,
  organizationId: string,
  applicationId: string,
): Promise<ApiKey[]> {
  const rows = await selectKeys(db)
    .where('api_keys.organization_id', '=', organizationId)
    .where('api_keys.application_id', '=', applicationId)
    .where('api_keys.revoked_at', 'is', null)
    .orderBy('api_keys.created_at', 'desc')
    .orderBy('api_keys.id', 'desc')
    .limit(500)
    .execute()
  return rows.map(keyRowToApiKey)
}

export async function updateApiKey(
  db: Executor,
  organizationId: string,
  id: string,
  change: { revokedAt?: Date; expiresAt?: Date },
): Promise<void> {
  await db
    .updateTable('api_keys')
    .set({
      ...(change.revokedAt ? { revoked_at: change.revokedAt } : {}),
      ...(change.expiresAt ? { expires_at: change.expiresAt } : {}),
    })
    .where('organization_id', '=', organizationId)
    .where('id', '=', id)
    .execute()
}

/**
 * The live keys (neither revoked nor expired at `now`) of a member, newest first: those they
 * created, those of the applications they created, or both, as `which` says.
 */
export async function listLiveKeysOfMember(
  db: Executor,
  organizationId: string,
  userId: string,
  which: { createdByMember: boolean; ofMembersApplications: boolean },
  now: Date,
): Promise<ApiKey[]> {
  if (!which.createdByMember && !which.ofMembersApplications) return []
  const rows = await selectKeys(db)
    .where('api_keys.organization_id', '=', organizationId)
    .where('api_keys.revoked_at', 'is', null)
    .where((eb) => eb.or([eb('api_keys.expires_at', 'is', null), eb('api_keys.expires_at', '>', now)]))
    .where((eb) =>
      eb.or([
        ...(which.createdByMember ? [eb('api_keys.created_by', '=', userId)] : []),
        ...(which.ofMembersApplications
          ? [
              eb(
                'api_keys.application_id',
                'in',
                eb
                  .selectFrom('applications')
                  .select('applications.id')
                  .where('applications.organization_id', '=', organizationId)
                  .where('applications.created_by', '=', userId),
              ),
            ]
          : []),
      ]),
    )
    .orderBy('api_keys.created_at', 'desc')
    .orderBy('api_keys.id', 'desc')
    .execute()
  return rows.map(keyRowToApiKey)
}

/**
 * Revokes these keys at `now`, in one statement: the database announces it once to every
 * instance's key cache (migration 0008). Keys already revoked keep their time.
 */
export async function revokeApiKeys(
  db: Executor,
  organizationId: string,
  ids: string[],
  now: Date,
): Promise<void> {
  if (ids.length === 0) return
  await db
    .updateTable('api_keys')
    .set({ revoked_at: now })
    .where('organization_id', '=', organizationId)
    .where('id', 'in', ids)
    .where('revoked_at', 'is', null)
    .execute()
}

/** What a gateway's verification needs to know of a key, and the plan of each API its application subscribes to. */
export interface KeyVerificationFacts {
  organizationId: string
  applicationId: string
  keyId: string
  environment: string
  expiresAt: Date | null
  revokedAt: Date | null
  subscriptions: { apiId: string; requestsPerMinute: number | null; requestsPerDay: number | null }[]
}

export async function findKeyForVerification(
  db: Executor,
  keyHash: string,
): Promise<KeyVerificationFacts | undefined> {
  const row = await db
    .selectFrom('api_keys')
    .innerJoin('environments', (join) =>
      join
        .onRef('environments.organization_id', '=', 'api_keys.organization_id')
        .onRef('environments.id', '=', 'api_keys.environment_id'),
    )
    .select((eb) => [
      'api_keys.organization_id',
      'api_keys.application_id',
      'api_keys.id',
      'api_keys.expires_at',
      'api_keys.revoked_at',
      'environments.name as environment',
      eb
        .selectFrom('subscriptions')
        .leftJoin('plans', (join) =>
          join
            .onRef('plans.organization_id', '=', 'subscriptions.organization_id')
            .onRef('plans.api_id', '=', 'subscriptions.api_id')
            .onRef('plans.name', '=', 'subscriptions.plan'),
        )
        .select(
          sql<
            string | null
          >`json_agg(json_build_array(subscriptions.api_id, plans.requests_per_minute, plans.requests_per_day))::text`.as(
            'subscriptions',
          ),
        )
        .whereRef('subscriptions.organization_id', '=', 'api_keys.organization_id')
        .whereRef('subscriptions.application_id', '=', 'api_keys.application_id')
        .as('subscriptions'),
    ])
    .where('api_keys.key_hash', '=', keyHash)
    .executeTakeFirst()
  if (!row) return undefined
  const subscriptions = JSON.parse(row.subscriptions ?? '[]') as [string, number | null, number | null][]
  return {
    organizationId: row.organization_id,
    applicationId: row.application_id,
    keyId: row.id,
    environment: row.environment,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    subscriptions: subscriptions.map(([apiId, requestsPerMinute, requestsPerDay]) => ({
      apiId,
      requestsPerMinute,
      requestsPerDay,
    })),
  }
}

/** Records when keys were last used, in one statement for the whole batch. */
export async function recordKeysUsed(
  db: Executor,
  uses: { organizationId: string; keyId: string; at: Date }[],
): Promise<void> {
  if (uses.length === 0) return
  const rows = sql.join(
    uses.map((use) => sql`(${use.organizationId}::uuid, ${use.keyId}::uuid, ${use.at}::timestamptz)`),
  )
  await sql`update api_keys set last_used_at = greatest(coalesce(api_keys.last_used_at, used.at), used.at)
    from (values ${rows}) as used(organization_id, id, at)
    where api_keys.organization_id = used.organization_id and api_keys.id = used.id`.execute(db)
}
