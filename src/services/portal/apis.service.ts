// APIs: publishers create, edit, publish, deprecate and delete them; members with api:read see
// them all, while portal-only members (external API subscribers) see published ones only.
import { DomainError, enforce } from '../../domain/errors.ts'
import { isPortalOnly } from '../../domain/permissions.ts'
import {
  type Api,
  type ApiStatus,
  checkApiDeletable,
  checkApiTransition,
  creatorAsSeenBy,
} from '../../domain/portal.ts'
import {
  countSubscriptionsOfApi,
  deleteApi as deleteApiRow,
  findApi,
  insertApi,
  listApis as listApiRows,
  updateApi,
} from '../../store/apis.repository.ts'
import { type Actor, type ActorMembership, requirePermission } from '../access.ts'
import type { ServiceDependencies } from '../dependencies.ts'
import { recordEvent } from '../events/events.service.ts'
import { decodeDatedCursor, type Page, pageOf } from '../pagination.ts'
import { inTransaction, type Transaction } from '../transaction.ts'

const sees = (membership: ActorMembership, api: Api) =>
  !isPortalOnly(membership.access.roles) || api.status === 'published'

/** The API as this actor may see it: a portal-only member does not learn who made it. */
const asSeenBy = (actor: Actor, membership: ActorMembership, api: Api): Api => {
  const createdBy = creatorAsSeenBy({ userId: actor.user.id, roles: membership.access.roles }, api.createdBy)
  return createdBy === api.createdBy ? api : { ...api, createdBy }
}

export async function listApis(
  deps: ServiceDependencies,
  actor: Actor,
  page: { limit: number; cursor?: string },
): Promise<Page<Api>> {
  const membership = requirePermission(actor, 'api:read')
  const after = page.cursor ? decodeDatedCursor(page.cursor) : undefined
  const rows = await listApiRows(deps.db, membership.organization.id, {
    limit: page.limit + 1,
    after,
    onlyStatus: isPortalOnly(membership.access.roles) ? 'published' : undefined,
  })
  const found = pageOf(rows, page.limit, (api) => [api.createdAt.toISOString(), api.id])
  return { ...found, items: found.items.map((api) => asSeenBy(actor, membership, api)) }
}

export async function getApi(deps: ServiceDependencies, actor: Actor, id: string): Promise<Api> {
  const membership = requirePermission(actor, 'api:read')
  const api = await findApi(deps.db, membership.organization.id, id)
  if (!api || !sees(membership, api)) throw new DomainError('not_found', 'no such API')
  return asSeenBy(actor, membership, api)
}

export const apiFieldsOf = (api: Api) => ({
  name: api.name,
  version: api.version,
  basePath: api.basePath,
  description: api.description,
})

const taken = () =>
  new DomainError('conflict', 'an API with this name and version, or this base path and version, exists')

export async function createApi(
  deps: ServiceDependencies,
  actor: Actor,
  input: { name: string; version: string; basePath: string; description?: string },
): Promise<Api> {
  const { organization } = requirePermission(actor, 'api:create')
  return inTransaction(deps, async (tx) => {
    const api = await insertApi(tx.db, {
      organizationId: organization.id,
      name: input.name.trim(),
      version: input.version,
      basePath: input.basePath,
      description: input.description ?? '',
      createdBy: actor.user.id,
      now: tx.now,
    })
    if (!api) throw taken()
    await recordEvent(tx, actor, {
      type: 'api.created',
      organizationId: organization.id,
      targetId: api.id,
      data: { ...apiFieldsOf(api), status: api.status },
    })
    return api
  })
}

async function lockApi(tx: Transaction, organizationId: string, id: string): Promise<Api> {
  const api = await findApi(tx.db, organizationId, id, true)
  if (!api) throw new DomainError('not_found', 'no such API')
  return api
}

export async function updateApiDetails(
  deps: ServiceDependencies,
  actor: Actor,
  id: string,
  change: { name?: string; version?: string; basePath?: string; description?: string },
): Promise<Api> {
  const { organization } = requirePermission(actor, 'api:update')
  return inTransaction(deps, async (tx) => {
    const before = await lockApi(tx, organization.id, id)
    const api = await updateApi(tx.db, organization.id, id, { ...change, name: change.name?.trim() })
    if (!api) throw taken()
    await recordEvent(tx, actor, {
      type: 'api.updated',
      organizationId: organization.id,
      targetId: id,
      data: { before: apiFieldsOf(before), after: apiFieldsOf(api), plans: null },
    })
    return api
  })
}

/** Publishes or deprecates (deprecated APIs keep their subscriptions and take no new ones). */
export async function changeApiStatus(
  deps: ServiceDependencies,
  actor: Actor,
  id: string,
  status: ApiStatus,
): Promise<Api> {
  const { organization } = requirePermission(actor, 'api:publish')
  return inTransaction(deps, async (tx) => {
    const before = await lockApi(tx, organization.id, id)
    enforce(checkApiTransition(before.status, status))
    const api = (await updateApi(tx.db, organization.id, id, { status })) ?? before
    if (before.status !== status) {
      await recordEvent(tx, actor, {
        type: status === 'published' ? 'api.published' : 'api.deprecated',
        organizationId: organization.id,
        targetId: id,
        data: { name: api.name, version: api.version, previousStatus: before.status },
      })
    }
    return api
  })
}

export async function deleteApi(deps: ServiceDependencies, actor: Actor, id: string): Promise<void> {
  const { organization } = requirePermission(actor, 'api:delete')
  await inTransaction(deps, async (tx) => {
    const api = await lockApi(tx, organization.id, id)
    const subscriptions = await countSubscriptionsOfApi(tx.db, organization.id, id)
    enforce(checkApiDeletable(api, subscriptions))
    await deleteApiRow(tx.db, organization.id, id)
    await recordEvent(tx, actor, {
      type: 'api.deleted',
      organizationId: organization.id,
      targetId: id,
      data: { name: api.name, version: api.version, basePath: api.basePath },
    })
  })
}
