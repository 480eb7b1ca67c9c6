// Applications of an organization and their subscriptions to its APIs.
import type { Application, Subscription } from '../domain/portal.ts'
import type { Executor } from './executor.ts'
import { createdAfter } from './keyset.ts'

const columns = ['organization_id', 'id', 'name', 'description', 'created_at', 'created_by'] as const

function applicationRowToApplication(row: {
  organization_id: string
  id: string
  name: string
  description: string
  created_at: Date
  created_by: string | null
}): Application {
  return {
    id: row.id,
    organizationId: row.organization_id,
    name: row.name,
    description: row.description,
    createdAt: row.created_at,
    createdBy: row.created_by,
  }
}

/** Inserts an application; undefined when its name is taken. */
export async function insertApplication(
  db: Executor,
  application: { organizationId: string; name: string; description: string; createdBy: string; now: Date },
): Promise<Application | undefined> {
  const row = await db
    .insertInto('applications')
    .values({
      organization_id: application.organizationId,
      name: application.name,
      description: application.description,
      created_by: application.createdBy,
      created_at: application.now,
    })
    .onConflict((oc) => oc.doNothing())
    .returning(columns)
    .executeTakeFirst()
  return row && applicationRowToApplication(row)
}

/** Which applications a query may see: with `createdBy`, only those that user created. */
export interface ApplicationScope {
  createdBy?: string
}

export async function findApplication(
  db: Executor,
  organizationId: string,
  id: string,
  scope: ApplicationScope = {},
): Promise<Application | undefined> {
  let select = db
    .selectFrom('applications')
    .select(columns)
    .where('organization_id', '=', organizationId)
    .where('id', '=', id)
  if (scope.createdBy !== undefined) select = select.where('created_by', '=', scope.createdBy)
  const row = await select.executeTakeFirst()
  return row && applicationRowToApplication(row)
}

export async function listApplications(
  db: Executor,
  organizationId: string,
  page: { limit: number; after?: { at: Date; id: string } },
  scope: ApplicationScope = {},
): Promise<Application[]> {
  let select = db.selectFrom('applications').select(columns).where('organization_id', '=', organizationId)
  if (scope.createdBy !== undefined) select = select.where('created_by', '=', scope.createdBy)
  if (page.after) select = select.where(createdAfter('applications', page.after))
  const rows = await select.orderBy('created_at').orderBy('id').limit(page.limit).execute()
  return rows.map(applicationRowToApplication)
}

/** The id and name of every application the user created in the organization, oldest first. */
export async function listApplicationNamesCreatedBy(
  db: Executor,
  organizationId: string,
  userId: string,
): Promise<{ id: string; name: string }[]> {
  return db
    .selectFrom('applications')
    .select(['id', 'name'])
    .where('organization_id', '=', organizationId)
    .where('created_by', '=', userId)
    .orderBy('created_at')
    .orderBy('id')
    .execute()
}

/** Applies a change; undefined when the new name is taken. */
export async function updateApplication(
  db: Executor,
  organizationId: string,
  id: string,
  change: { name?: string; description?: string },
): Promise<Application | undefined> {
  try {
    const row = await db
      .updateTable('applications')
      .set({
        ...(change.name !== undefined ? { name: change.name } : {}),
        ...(change.description !== undefined ? { description: change.description } : {}),
      })
      .where('organization_id', '=', organizationId)
      .where('id', '=', id)
      .returning(columns)
      .executeTakeFirst()
    return row && applicationRowToApplication(row)
  } catch (error) {
    if ((error as { code?: string }).code === '23505') return undefined
    throw error
  }
}

/** Deletes the application; its subscriptions and keys go with it. */
export async function deleteApplication(db: Executor, organizationId: string, id: string): Promise<void> {
  await db
    .deleteFrom('applications')
    .where('organization_id', '=', organizationId)
    .where('id', '=', id)
    .execute()
}

const subscriptionColumns = ['id', 'application_id', 'api_id', 'plan', 'created_at'] as const

function subscriptionRowToSubscription(row: {
  id: string
  application_id: string
  api_id: string
  plan: string
  created_at: Date
}): Subscription {
  return {
    id: row.id,
    applicationId: row.application_id,
    apiId: row.api_id,
    plan: row.plan,
    createdAt: row.created_at,
  }
}

/** Subscribes; undefined when the application is already subscribed to the API. */
export async function insertSubscription(
  db: Executor,
  subscription: { organizationId: string; applicationId: string; apiId: string; plan: string; now: Date },
): Promise<Subscription | undefined> {
  const row = await db
    .insertInto('subscriptions')
    .values({
      organization_id: subscription.organizationId,
      application_id: subscription.applicationId,
      api_id: subscription.apiId,
      plan: subscription.plan,
      created_at: subscription.now,
    })
    .onConflict((oc) => oc.doNothing())
    .returning(subscriptionColumns)
    .executeTakeFirst()
  return row && subscriptionRowToSubscription(row)
}

export async function listSubscriptions(
  db: Executor,
  organizationId: string,
  applicationId: string,
  page: { limit: number; after?: { at: Date; id: string } },
): Promise<Subscription[]> {
  let select = db
    .selectFrom('subscriptions')
    .select(subscriptionColumns)
    .where('organization_id', '=', organizationId)
    .where('application_id', '=', applicationId)
  if (page.after) select = select.where(createdAfter('subscriptions', page.after))
  const rows = await select.orderBy('created_at').orderBy('id').limit(page.limit).execute()
  return rows.map(subscriptionRowToSubscription)
}

/** Deletes a subscription of this application; false when there was none. */
export async function deleteSubscription(
  db: Executor,
  organizationId: string,
  applicationId: string,
  id: string,
): Promise<{ apiId: string; apiName: string } | undefined> {
  const row = await db
    .deleteFrom('subscriptions')
    .where('organization_id', '=', organizationId)
    .where('application_id', '=', applicationId)
    .where('id', '=', id)
    .returning((eb) => [
      'api_id',
      eb
        .selectFrom('apis')
        .select('apis.name')
        .whereRef('apis.organization_id', '=', 'subscriptions.organization_id')
        .whereRef('apis.id', '=', 'subscriptions.api_id')
        .as('api_name'),
    ])
    .executeTakeFirst()
  return row && { apiId: row.api_id, apiName: row.api_name ?? '' }
}
