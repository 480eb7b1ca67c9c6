// The one decision of whether an API key may make a request: `POST /v1/keys/verify` and
// `GET /v1/gateway/authorize` both ask it (API.md "Gateways"). The caller gathers the facts (the
// key as stored, the API the path selects, what the application has spent in the plan's windows)
// and asks; nothing here reads a clock or a database. Checks run in the contract's order, the first
// refusal answering: key known, not revoked, not expired; an API serves the path; environment;
// subscription; plan limit.
import { type LimitWindow, limitOf, type PlanLimits, WINDOW_MS, windowStart } from './plans.ts'

/** What the store knows of a key, and the plan of each API its application subscribes to. */
export interface KeyFacts {
  organizationId: string
  applicationId: string
  keyId: string
  /** The name of the environment the key's row points at now. */
  environment: string
  /**
   * The environment written into the key when it was issued (domain/api-keys.ts): what every
   * answer names. A key whose row now names another environment (relabelled behind Portico's back)
   * is refused, never answered with the new name.
   */
  issuedEnvironment: string
  expiresAt: number | null
  revokedAt: number | null
  /** API id → the limits of the subscription's plan. */
  subscriptions: ReadonlyMap<string, PlanLimits>
}

export interface KeyAccessRequest {
  /**
   * The API asked about: `undefined` when none is (a verification without `apiId`: subscription and
   * limits are not checked), `{ id: undefined }` when a path was given and no API serves it.
   */
  api?: { id: string | undefined }
  /** The environment the gateway serves, when it says. */
  environment?: string
}

/** Requests counted so far in the current windows, for this application and API. */
export interface Spent {
  minute: number
  day: number
}

export type KeyRefusal =
  | 'unknown'
  | 'revoked'
  | 'expired'
  | 'no_api'
  | 'wrong_environment'
  | 'not_subscribed'
  | 'rate_limited'

/** The window with the fewest requests left, as RateLimit-* headers show it. */
export interface RateLimitState {
  limit: number
  remaining: number
  /** Seconds until the window ends. */
  reset: number
}

export type KeyAccess =
  | {
      ok: true
      key: KeyFacts
      apiId: string | undefined
      /** The plan's limits when it has any: spend one in each window. */
      plan: PlanLimits | undefined
      rateLimit: RateLimitState | undefined
    }
  | {
      ok: false
      code: KeyRefusal
      /** Undefined for an unknown key. */
      key: KeyFacts | undefined
      /** The API the request was for, once known (null before one was chosen). */
      apiId: string | null
      rateLimit?: RateLimitState
      retryAfterSeconds?: number
    }

const WINDOWS: readonly LimitWindow[] = ['minute', 'day']

function refusal(
  code: KeyRefusal,
  key: KeyFacts | undefined,
  apiId: string | null,
  extra: { rateLimit?: RateLimitState; retryAfterSeconds?: number } = {},
): KeyAccess {
  return { ok: false, code, key, apiId, ...extra }
}

const secondsUntil = (end: number, now: number) => Math.max(1, Math.ceil((end - now) / 1000))

/**
 * The plan's standing for one more request: when a window is spent, that window (the later-ending
 * when both are: retrying sooner cannot succeed); otherwise the window with the fewest requests
 * left once this one is counted (the later-ending on a tie).
 */
export function rateLimitStanding(
  plan: PlanLimits,
  spent: Spent,
  now: number,
): { exhausted: boolean; state: RateLimitState | undefined } {
  let state: RateLimitState | undefined
  let exhausted = false
  for (const window of WINDOWS) {
    const limit = limitOf(plan, window)
    if (limit === null) continue
    const left = limit - spent[window]
    const reset = secondsUntil(windowStart(window, now) + WINDOW_MS[window], now)
    const candidate = { limit, remaining: Math.max(0, left - 1), reset }
    if (left <= 0) {
      if (!exhausted || (state && reset > state.reset)) state = { limit, remaining: 0, reset }
      exhausted = true
    } else if (
      !exhausted &&
      (state === undefined ||
        candidate.remaining < state.remaining ||
        (candidate.remaining === state.remaining && candidate.reset > state.reset))
    ) {
      state = candidate
    }
  }
  return { exhausted, state }
}

export function decideKeyAccess(
  key: KeyFacts | undefined,
  request: KeyAccessRequest,
  now: number,
  spent: Spent = { minute: 0, day: 0 },
): KeyAccess {
  if (!key) return refusal('unknown', undefined, null)
  if (key.revokedAt !== null && key.revokedAt <= now) return refusal('revoked', key, null)
  if (key.expiresAt !== null && key.expiresAt <= now) return refusal('expired', key, null)
  const api = request.api
  if (api && api.id === undefined) return refusal('no_api', key, null)
  const apiId = api?.id ?? null
  if (
    key.environment !== key.issuedEnvironment ||
    (request.environment !== undefined && request.environment !== key.issuedEnvironment)
  ) {
    return refusal('wrong_environment', key, apiId)
  }
  if (apiId === null) return { ok: true, key, apiId: undefined, plan: undefined, rateLimit: undefined }
  const plan = key.subscriptions.get(apiId)
  if (!plan) return refusal('not_subscribed', key, apiId)
  if (plan.requestsPerMinute === null && plan.requestsPerDay === null) {
    return { ok: true, key, apiId, plan: undefined, rateLimit: undefined }
  }
  const standing = rateLimitStanding(plan, spent, now)
  if (standing.exhausted && standing.state) {
    return refusal('rate_limited', key, apiId, {
      rateLimit: standing.state,
      retryAfterSeconds: standing.state.reset,
    })
  }
  return { ok: true, key, apiId, plan, rateLimit: standing.state }
}
