// APIs of an organization. Every query is scoped by organization_id.
import type { Api, ApiStatus } from '../domain/portal.ts'
import type { Executor } from './executor.ts'
import { createdAfter } from './keyset.ts'
import type { ApisTable } from './tables.ts'

type ApiRow = Omit<ApisTable, 'id' | 'description'> & { id: string; description: string }

const columns = [
  'organization_id',
  'id',
  'name',
  'version',
  'base_path',
  'description',
  'status',
  'created_at',
  'created_by',
] as const

function apiRowToApi(row: ApiRow): Api {
  return {
    id: row.id,
    organizationId: row.organization_id,
    name: row.name,
    version: row.version,
    basePath: row.base_path,
    description: row.description,
    status: row.status as ApiStatus,
    createdAt: row.created_at,
    createdBy: row.created_by,
  }
}

/** Inserts an API; undefined when its name+version or base path+version is taken. */
export async function insertApi(
  db: Executor,
  api: {
    organizationId: string
    name: string
    version: string
    basePath: string
    description: string
    createdBy: string
    now: Date
  },
): Promise<Api | undefined> {
  const row = await db
    .insertInto('apis')
    .values({
      organization_id: api.organizationId,
      name: api.name,
      version: api.version,
      base_path: api.basePath,
      description: api.description,
      status: 'draft',
      created_by: api.createdBy,
      created_at: api.now,
    })
    .onConflict((oc) => oc.doNothing())
    .returning(columns)
    .executeTakeFirst()
  return row && apiRowToApi(row)
}

export async function findApi(
  db: Executor,
  organizationId: string,
  id: string,
  lock = false,
): Promise<Api | undefined> {
  let select = db
    .selectFrom('apis')
    .select(columns)
    .where('organization_id', '=', organizationId)
    .where('id', '=', id)
  if (lock) select = select.forUpdate()
  const row = await select.executeTakeFirst()
  return row && apiRowToApi(row)
}

export async function listApis(
  db: Executor,
  organizationId: string,
  page: { limit: number; after?: { at: Date; id: string }; onlyStatus?: ApiStatus },
): Promise<Api[]> {
  let select = db.selectFrom('apis').select(columns).where('organization_id', '=', organizationId)
  if (page.onlyStatus) select = select.where('status', '=', page.onlyStatus)
  if (page.after) select = select.where(createdAfter('apis', page.after))
  const rows = await select.orderBy('created_at').orderBy('id').limit(page.limit).execute()
  return rows.map(apiRowToApi)
}

/** Applies a change; undefined when the new name+version or base path+version is taken. */
export async function updateApi(
  db: Executor,
  organizationId: string,
  id: string,
  change: { name?: string; version?: string; basePath?: string; description?: string; status?: ApiStatus },
): Promise<Api | undefined> {
  try {
    const row = await db
      .updateTable('apis')
      .set({
        ...(change.name !== undefined ? { name: change.name } : {}),
        ...(change.version !== undefined ? { version: change.version } : {}),
        ...(change.basePath !== undefined ? { base_path: change.basePath } : {}),
        ...(change.description !== undefined ? { description: change.description } : {}),
        ...(change.status !== undefined ? { status: change.status } : {}),
      })
      .where('organization_id', '=', organizationId)
      .where('id', '=', id)
      .returning(columns)
      .executeTakeFirst()
    return row && apiRowToApi(row)
  } catch (error) {
    if ((error as { code?: string }).code === '23505') return undefined
    throw error
  }
}

export async function deleteApi(db: Executor, organizationId: string, id: string): Promise<void> {
  await db.deleteFrom('apis').where('organization_id', '=', organizationId).where('id', '=', id).execute()
}

export async function countSubscriptionsOfApi(
  db: Executor,
  organizationId: string,
  apiId: string,
): Promise<number> {
  const row = await db
    .selectFrom('subscriptions')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('organization_id', '=', organizationId)
    .where('api_id', '=', apiId)
    .executeTakeFirstOrThrow()
  return Number(row.count)
}

/** The APIs an organization's gateways route to (published or deprecated), by base path and version. */
export async function listServedApis(
  db: Executor,
  organizationId: string,
): Promise<{ id: string; basePath: string; version: string }[]> {
  const rows = await db
    .selectFrom('apis')
    .select(['id', 'base_path', 'version'])
    .where('organization_id', '=', organizationId)
    .where('status', 'in', ['published', 'deprecated'])
    .execute()
  return rows.map((row) => ({ id: row.id, basePath: row.base_path, version: row.version }))
}
