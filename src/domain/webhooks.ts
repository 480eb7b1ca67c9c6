// Webhook rules (API.md "Webhooks"): which events an endpoint's filters take, the retry schedule,
// the Standard Webhooks secret and signature, and what a delivery URL may look like.
import { randomBytes } from 'node:crypto'
import { signWebhook } from '../../packages/sdk/src/webhooks.ts'

export interface Webhook {
  id: string
  organizationId: string
  url: string
  events: string[]
  description: string
  enabled: boolean
  disabledReason: string | null
  createdAt: Date
}

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed'

export interface Delivery {
  id: string
  webhookId: string
  eventId: string
  type: string
  status: DeliveryStatus
  attempts: number
  lastStatusCode: number | null
  lastError: string | null
  nextAttemptAt: Date | null
  createdAt: Date
  completedAt: Date | null
}

/** What a delivery POSTs (API.md): the event's id, type, time and organization, and its data. */
export interface DeliveryPayload {
  id: string
  type: string
  timestamp: string
  organizationId: string
  data: unknown
}

/** The event sent by `POST …/webhooks/{id}/test`; it goes to that endpoint only and is not recorded. */
export const TEST_EVENT_TYPE = 'webhook.test'

export const WEBHOOK_URL_MAX_LENGTH = 2000
export const WEBHOOK_FILTERS_MAX = 100

/**
 * True when a filter takes the event type: the type itself, a prefix ending in `*` (`member.*`),
 * or `*`. The same rule is written in SQL where deliveries are queued (store/webhooks.repository.ts).
 */
export function filterMatches(filter: string, type: string): boolean {
  return filter.endsWith('*') ? type.startsWith(filter.slice(0, -1)) : filter === type
}

export function filtersMatch(filters: readonly string[], type: string): boolean {
  return filters.some((filter) => filterMatches(filter, type))
}

/**
 * Why a filter is refused, or undefined when it is one: a type of the catalog, `*`, or a prefix of
 * some catalog type followed by `*` (so a typo cannot silently match nothing).
 */
export function checkFilter(filter: string, catalog: readonly string[]): string | undefined {
  if (filter === '*') return undefined
  if (filter.endsWith('*')) {
    const prefix = filter.slice(0, -1)
    if (prefix.includes('*') || !catalog.some((type) => type.startsWith(prefix)))
      return `${filter} matches no event type`
    return undefined
  }
  return catalog.includes(filter) ? undefined : `${filter} is not an event type`
}

/** Why a URL is refused before any lookup, or undefined: only http and https, no credentials. */
export function checkWebhookUrl(text: string): string | undefined {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return 'must be an absolute http or https URL'
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http or https URL'
  if (url.username !== '' || url.password !== '') return 'must not carry a user name or password'
  if (url.hostname === '') return 'must name a host'
  return undefined
}

/**
 * The delay before the attempt that follows `attempts` failed ones, or null once the schedule is
 * used up (1 + schedule.length attempts in all). A manual retry after the last makes one more
 * attempt, which then also ends the delivery.
 */
export function retryDelay(schedule: readonly number[], attempts: number): number | null {
  return attempts >= 1 && attempts <= schedule.length ? (schedule[attempts - 1] ?? null) : null
}

/** `whsec_` + base64 of 32 random bytes (Standard Webhooks). */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`
}

/**
 * The `webhook-signature` header value: `v1,` + base64 of HMAC-SHA256 keyed with the secret's
 * decoded bytes over `{id}.{timestamp}.{body}`. The SDK's algorithm, so that what the server signs
 * and what `verifyWebhook` checks cannot drift apart.
 */
export const signDelivery = signWebhook

/** The exact body of a delivery, fields in the order API.md lists them. */
export function deliveryBody(payload: DeliveryPayload): string {
  return JSON.stringify({
    id: payload.id,
    type: payload.type,
    timestamp: payload.timestamp,
    organizationId: payload.organizationId,
    data: payload.data,
  })
}
