// The plans of an organization's APIs.
import type { Plan } from '../domain/plans.ts'
import type { Executor } from './executor.ts'

export async function listPlans(db: Executor, organizationId: string, apiId: string): Promise<Plan[]> {
  const rows = await db
    .selectFrom('plans')
    .select(['name', 'title', 'requests_per_minute', 'requests_per_day'])
    .where('organization_id', '=', organizationId)
    .where('api_id', '=', apiId)
    .orderBy('position')
    .orderBy('name')
    .execute()
  return rows.map((row) => ({
    name: row.name,
    title: row.title,
    requestsPerMinute: row.requests_per_minute,
    requestsPerDay: row.requests_per_day,
  }))
}

/** Makes the API's plans exactly `plans`, in that order. */
export async function storePlans(
  db: Executor,
  organizationId: string,
  apiId: string,
  plans: readonly Plan[],
): Promise<void> {
  await db
    .deleteFrom('plans')
    .where('organization_id', '=', organizationId)
    .where('api_id', '=', apiId)
    .where(
      'name',
      'not in',
      plans.map((plan) => plan.name),
    )
    .execute()
  await db
    .insertInto('plans')
    .values(
      plans.map((plan, position) => ({
        organization_id: organizationId,
        api_id: apiId,
        name: plan.name,
        title: plan.title,
        requests_per_minute: plan.requestsPerMinute,
        requests_per_day: plan.requestsPerDay,
        position,
      })),
    )
    .onConflict((oc) =>
      oc.columns(['organization_id', 'api_id', 'name']).doUpdateSet((eb) => ({
        title: eb.ref('excluded.title'),
        requests_per_minute: eb.ref('excluded.requests_per_minute'),
        requests_per_day: eb.ref('excluded.requests_per_day'),
        position: eb.ref('excluded.position'),
      })),
    )
    .execute()
}

/** The names of the API's plans that subscriptions use. */
export async function plansInUse(db: Executor, organizationId: string, apiId: string): Promise<Set<string>> {
  const rows = await db
    .selectFrom('subscriptions')
    .select('plan')
    .distinct()
    .where('organization_id', '=', organizationId)
    .where('api_id', '=', apiId)
    .execute()
  return new Set(rows.map((row) => row.plan))
}

export async function planExists(
  db: Executor,
  organizationId: string,
  apiId: string,
  name: string,
): Promise<boolean> {
  const row = await db
    .selectFrom('plans')
    .select('name')
    .where('organization_id', '=', organizationId)
    .where('api_id', '=', apiId)
    .where('name', '=', name)
    .executeTakeFirst()
  return row !== undefined
}
