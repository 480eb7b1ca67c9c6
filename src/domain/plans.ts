// Plans of an API and the fixed windows their limits count in (API.md "Plans, rate limits and
// usage"). A plan limits requests per application and API, over all the application's keys, in
// the UTC minute and the UTC day. Every API has the plan `default`, without limits until given some.
import { type Decision, refused } from './errors.ts'

type Refusal = Extract<Decision, { ok: false }>

export const DEFAULT_PLAN = 'default'
export const PLAN_NAME_PATTERN = '^[a-z0-9-]{1,40}$'
export const MAX_PLANS_PER_API = 50

export interface PlanLimits {
  requestsPerMinute: number | null
  requestsPerDay: number | null
}

export interface Plan extends PlanLimits {
  name: string
  title: string
}

export type LimitWindow = 'minute' | 'day'

export const WINDOW_MS: Record<LimitWindow, number> = { minute: 60_000, day: 86_400_000 }

/** The start of the UTC window that holds `now` (ms). */
export function windowStart(window: LimitWindow, now: number): number {
  return now - (now % WINDOW_MS[window])
}

export function limitOf(plan: PlanLimits, window: LimitWindow): number | null {
  return window === 'minute' ? plan.requestsPerMinute : plan.requestsPerDay
}

export function isLimited(plan: PlanLimits): boolean {
  return plan.requestsPerMinute !== null || plan.requestsPerDay !== null
}

/** The plan every API has from the start: no limits until given some. */
export const defaultPlan: Plan = {
  name: DEFAULT_PLAN,
  title: 'Default',
  requestsPerMinute: null,
  requestsPerDay: null,
}

/**
 * A replacement of an API's plans: names unique; `default` kept as it was when left out; no plan a
 * subscription uses removed. Returns the plans to store.
 */
export function replacePlans(
  current: readonly Plan[],
  given: readonly Plan[],
  inUse: ReadonlySet<string>,
): { ok: true; plans: Plan[] } | Refusal {
  const names = new Set<string>()
  for (const plan of given) {
    if (names.has(plan.name)) {
      return refused('validation_failed', `plan ${plan.name} is given twice`, {
        errors: [{ in: 'body', path: '/items', message: `names plan ${plan.name} twice` }],
      }) as Refusal
    }
    names.add(plan.name)
  }
  const plans = [...given]
  if (!names.has(DEFAULT_PLAN)) {
    const kept = current.find((plan) => plan.name === DEFAULT_PLAN)
    plans.unshift(kept ?? defaultPlan)
  }
  if (plans.length > MAX_PLANS_PER_API) {
    return refused('validation_failed', `an API has at most ${MAX_PLANS_PER_API} plans`, {
      errors: [{ in: 'body', path: '/items', message: `has more than ${MAX_PLANS_PER_API} plans` }],
    }) as Refusal
  }
  const kept = new Set(plans.map((plan) => plan.name))
  for (const name of inUse) {
    if (!kept.has(name)) {
      return refused(
        'conflict',
        `plan ${name} is used by a subscription; move its subscriptions first`,
      ) as Refusal
    }
  }
  return { ok: true, plans }
}
