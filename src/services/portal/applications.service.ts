// Applications and their subscriptions to the organization's published APIs. A portal-only member
// (external API subscriber) sees and acts on the applications they created only: every path to an
// application goes through requireApplication or the scoped list, which apply applicationScopeOf.
import { DomainError, enforce, invalidField } from '../../domain/errors.ts'
import { isPortalOnly } from '../../domain/permissions.ts'
import { DEFAULT_PLAN } from '../../domain/plans.ts'
import {
  type Application,
  applicationScopeOf,
  checkSubscribable,
  type Subscription,
} from '../../domain/portal.ts'
import { findApi } from '../../store/apis.repository.ts'
import {
  deleteApplication as deleteApplicationRow,
  deleteSubscription,
  findApplication,
  insertApplication,
  insertSubscription,
  listApplications as listApplicationRows,
  listSubscriptions as listSubscriptionRows,
  updateApplication,
} from '../../store/applications.repository.ts'
import type { Executor } from '../../store/executor.ts'
import { planExists } from '../../store/plans.repository.ts'
import { type Actor, type ActorMembership, requireMembership, requirePermission } from '../access.ts'
import type { ServiceDependencies } from '../dependencies.ts'
import { recordEvent } from '../events/events.service.ts'
import { decodeDatedCursor, type Page, pageOf } from '../pagination.ts'
import { inTransaction } from '../transaction.ts'

const nameTaken = (name: string) => new DomainError('conflict', `an application named ${name} exists`)

const scopeOf = (actor: Actor, membership: ActorMembership) =>
  applicationScopeOf({ userId: actor.user.id, roles: membership.access.roles })

/**
 * The application, in the organization the actor acts in and within what they may see: an id
 * from another organization, or another developer's application for a portal-only member, is
 * simply not found.
 */
export async function requireApplication(db: Executor, actor: Actor, id: string): Promise<Application> {
  const membership = requireMembership(actor)
  const application = await findApplication(db, membership.organization.id, id, scopeOf(actor, membership))
  if (!application) throw new DomainError('not_found', 'no such application')
  return application
}

export async function listApplications(
  deps: ServiceDependencies,
  actor: Actor,
  page: { limit: number; cursor?: string },
): Promise<Page<Application>> {
  const membership = requirePermission(actor, 'application:read')
  const after = page.cursor ? decodeDatedCursor(page.cursor) : undefined
  const rows = await listApplicationRows(
    deps.db,
    membership.organization.id,
    { limit: page.limit + 1, after },
    scopeOf(actor, membership),
  )
  return pageOf(rows, page.limit, (application) => [application.createdAt.toISOString(), application.id])
}

export async function getApplication(
  deps: ServiceDependencies,
  actor: Actor,
  id: string,
): Promise<Application> {
  requirePermission(actor, 'application:read')
  return requireApplication(deps.db, actor, id)
}

export async function createApplication(
  deps: ServiceDependencies,
  actor: Actor,
  input: { name: string; description?: string },
): Promise<Application> {
  const { organization } = requirePermission(actor, 'application:create')
  return inTransaction(deps, async (tx) => {
    const name = input.name.trim()
    const application = await insertApplication(tx.db, {
      organizationId: organization.id,
      name,
      description: input.description ?? '',
      createdBy: actor.user.id,
      now: tx.now,
    })
    if (!application) throw nameTaken(name)
    await recordEvent(tx, actor, {
      type: 'application.created',
      organizationId: organization.id,
      targetId: application.id,
      data: { name: application.name, description: application.description },
    })
    return application
  })
}

export async function updateApplicationDetails(
  deps: ServiceDependencies,
  actor: Actor,
  id: string,
  change: { name?: string; description?: string },
): Promise<Application> {
  const { organization } = requirePermission(actor, 'application:update')
  return inTransaction(deps, async (tx) => {
    const before = await requireApplication(tx.db, actor, id)
    const application = await updateApplication(tx.db, organization.id, id, {
      ...change,
      name: change.name?.trim(),
    })
    if (!application) throw nameTaken(change.name ?? '')
    await recordEvent(tx, actor, {
      type: 'application.updated',
      organizationId: organization.id,
      targetId: id,
      data: {
        before: { name: before.name, description: before.description },
        after: { name: application.name, description: application.description },
      },
    })
    return application
  })
}

/** Deletes an application with its subscriptions and keys; its keys stop verifying at once. */
export async function deleteApplication(deps: ServiceDependencies, actor: Actor, id: string): Promise<void> {
  const { organization } = requirePermission(actor, 'application:delete')
  await inTransaction(deps, async (tx) => {
    const application = await requireApplication(tx.db, actor, id)
    await deleteApplicationRow(tx.db, organization.id, id)
    await recordEvent(tx, actor, {
      type: 'application.deleted',
      organizationId: organization.id,
      targetId: id,
      data: { name: application.name },
    })
  })
}

export async function listSubscriptions(
  deps: ServiceDependencies,
  actor: Actor,
  applicationId: string,
  page: { limit: number; cursor?: string },
): Promise<Page<Subscription>> {
  const { organization } = requirePermission(actor, 'subscription:read')
  await requireApplication(deps.db, actor, applicationId)
  const after = page.cursor ? decodeDatedCursor(page.cursor) : undefined
  const rows = await listSubscriptionRows(deps.db, organization.id, applicationId, {
    limit: page.limit + 1,
    after,
  })
  return pageOf(rows, page.limit, (subscription) => [subscription.createdAt.toISOString(), subscription.id])
}

export async function subscribe(
  deps: ServiceDependencies,
  actor: Actor,
  applicationId: string,
  apiId: string,
  plan: string = DEFAULT_PLAN,
): Promise<Subscription> {
  const membership = requirePermission(actor, 'subscription:create')
  const { organization } = membership
  return inTransaction(deps, async (tx) => {
    const application = await requireApplication(tx.db, actor, applicationId)
    const api = await findApi(tx.db, organization.id, apiId, true)
    // A portal-only member cannot learn of an API that is not published.
    if (!api || (isPortalOnly(membership.access.roles) && api.status !== 'published')) {
      throw new DomainError('not_found', 'no such API')
    }
    enforce(checkSubscribable(api))
    if (!(await planExists(tx.db, organization.id, apiId, plan))) {
      throw invalidField('/plan', `names no plan of this API (${plan})`)
    }
    const subscription = await insertSubscription(tx.db, {
      organizationId: organization.id,
      applicationId,
      apiId,
      plan,
      now: tx.now,
    })
    if (!subscription) throw new DomainError('conflict', 'this application is already subscribed to this API')
    await recordEvent(tx, actor, {
      type: 'subscription.created',
      organizationId: organization.id,
      targetId: subscription.id,
      data: { applicationId, applicationName: application.name, apiId, apiName: api.name, plan },
    })
    return subscription
  })
}

export async function unsubscribe(
  deps: ServiceDependencies,
  actor: Actor,
  applicationId: string,
  subscriptionId: string,
): Promise<void> {
  const { organization } = requirePermission(actor, 'subscription:delete')
  await inTransaction(deps, async (tx) => {
    const application = await requireApplication(tx.db, actor, applicationId)
    const deleted = await deleteSubscription(tx.db, organization.id, applicationId, subscriptionId)
    if (!deleted) throw new DomainError('not_found', 'no such subscription')
    await recordEvent(tx, actor, {
      type: 'subscription.deleted',
      organizationId: organization.id,
      targetId: subscriptionId,
      data: { applicationId, applicationName: application.name, ...deleted },
    })
  })
}
