// Environments of an organization (development and production from the start).
import type { Environment } from '../domain/portal.ts'
import type { Executor } from './executor.ts'

const columns = ['organization_id', 'id', 'name', 'created_at'] as const

function environmentRowToEnvironment(row: {
  organization_id: string
  id: string
  name: string
  created_at: Date
}): Environment {
  return { id: row.id, organizationId: row.organization_id, name: row.name, createdAt: row.created_at }
}

/** Inserts an environment; undefined when the name is taken. */
export async function insertEnvironment(
  db: Executor,
  environment: { organizationId: string; name: string; now: Date },
): Promise<Environment | undefined> {
  const row = await db
    .insertInto('environments')
    .values({
      organization_id: environment.organizationId,
      name: environment.name,
      created_at: environment.now,
    })
    .onConflict((oc) => oc.doNothing())
    .returning(columns)
    .executeTakeFirst()
  return row && environmentRowToEnvironment(row)
}

export async function listEnvironments(db: Executor, organizationId: string): Promise<Environment[]> {
  const rows = await db
    .selectFrom('environments')
    .select(columns)
    .where('organization_id', '=', organizationId)
    .orderBy('created_at')
    .orderBy('name')
    .execute()
  return rows.map(environmentRowToEnvironment)
}

/**
 * The environment, optionally locked: `share` while a key is issued in it (so that it is neither
 * renamed nor deleted until the key is written), `update` to rename or delete it (so that no key
 * is issued in it meanwhile). A share lock waiting on a rename re-reads the row: looked up by its
 * old name, it is then not found.
 */
export async function findEnvironment(
  db: Executor,
  organizationId: string,
  by: { id: string } | { name: string },
  lock?: 'share' | 'update',
): Promise<Environment | undefined> {
  let select = db.selectFrom('environments').select(columns).where('organization_id', '=', organizationId)
  select = 'id' in by ? select.where('id', '=', by.id) : select.where('name', '=', by.name)
  if (lock === 'share') select = select.forShare()
  if (lock === 'update') select = select.forUpdate()
  const row = await select.executeTakeFirst()
  return row && environmentRowToEnvironment(row)
}

/** Renames; undefined when the new name is taken. */
export async function renameEnvironment(
  db: Executor,
  organizationId: string,
  id: string,
  name: string,
): Promise<Environment | undefined> {
  try {
    const row = await db
      .updateTable('environments')
      .set({ name })
      .where('organization_id', '=', organizationId)
      .where('id', '=', id)
      .returning(columns)
      .executeTakeFirst()
    return row && environmentRowToEnvironment(row)
  } catch (error) {
    if ((error as { code?: string }).code === '23505') return undefined
    throw error
  }
}

/** Deletes the environment and the revoked keys that still point at it (live keys prevent this). */
export async function deleteEnvironment(db: Executor, organizationId: string, id: string): Promise<void> {
  await db
    .deleteFrom('api_keys')
    .where('organization_id', '=', organizationId)
    .where('environment_id', '=', id)
    .where('revoked_at', 'is not', null)
    .execute()
  await db
    .deleteFrom('environments')
    .where('organization_id', '=', organizationId)
    .where('id', '=', id)
    .execute()
}

export async function countKeysInEnvironment(
  db: Executor,
  organizationId: string,
  environmentId: string,
): Promise<number> {
  const row = await db
    .selectFrom('api_keys')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('organization_id', '=', organizationId)
    .where('environment_id', '=', environmentId)
    .where('revoked_at', 'is', null)
    .executeTakeFirstOrThrow()
  return Number(row.count)
}
