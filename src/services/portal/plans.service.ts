// An API's plans (API.md "Plans, rate limits and usage"): read with api:read, replaced as a whole
// with api:update. The replacement is decided by domain/plans.ts under the API's row lock, which
// subscribing takes too, so a plan cannot be removed while a subscription to it is being made.
import { DomainError } from '../../domain/errors.ts'
import { isPortalOnly } from '../../domain/permissions.ts'
import { type Plan, replacePlans } from '../../domain/plans.ts'
import { findApi } from '../../store/apis.repository.ts'
import { listPlans as listPlanRows, plansInUse, storePlans } from '../../store/plans.repository.ts'
import { type Actor, requirePermission } from '../access.ts'
import type { ServiceDependencies } from '../dependencies.ts'
import { recordEvent } from '../events/events.service.ts'
import { inTransaction } from '../transaction.ts'
import { apiFieldsOf } from './apis.service.ts'

/** `default: no limits; gold: 600/minute, 100000/day` */
function describePlans(plans: readonly Plan[]): string {
  return plans
    .map((plan) => {
      const limits = [
        plan.requestsPerMinute === null ? undefined : `${plan.requestsPerMinute}/minute`,
        plan.requestsPerDay === null ? undefined : `${plan.requestsPerDay}/day`,
      ].filter((limit) => limit !== undefined)
      return `${plan.name}: ${limits.length > 0 ? limits.join(', ') : 'no limits'}`
    })
    .join('; ')
}

export async function listPlans(deps: ServiceDependencies, actor: Actor, apiId: string): Promise<Plan[]> {
  const membership = requirePermission(actor, 'api:read')
  const api = await findApi(deps.db, membership.organization.id, apiId)
  // A portal-only member cannot learn of an API that is not published.
  if (!api || (isPortalOnly(membership.access.roles) && api.status !== 'published')) {
    throw new DomainError('not_found', 'no such API')
  }
  return listPlanRows(deps.db, membership.organization.id, apiId)
}

export async function updatePlans(
  deps: ServiceDependencies,
  actor: Actor,
  apiId: string,
  given: Plan[],
): Promise<Plan[]> {
  const { organization } = requirePermission(actor, 'api:update')
  return inTransaction(deps, async (tx) => {
    const api = await findApi(tx.db, organization.id, apiId, true)
    if (!api) throw new DomainError('not_found', 'no such API')
    const current = await listPlanRows(tx.db, organization.id, apiId)
    const decision = replacePlans(current, given, await plansInUse(tx.db, organization.id, apiId))
    if (!decision.ok) throw new DomainError(decision.code, decision.message, decision.details)
    await storePlans(tx.db, organization.id, apiId, decision.plans)
    await recordEvent(tx, actor, {
      type: 'api.updated',
      organizationId: organization.id,
      targetId: apiId,
      data: { before: apiFieldsOf(api), after: apiFieldsOf(api), plans: describePlans(decision.plans) },
    })
    return decision.plans
  })
}
