// An organization's webhook endpoints (API.md "Webhooks"): create (the secret shown once), read,
// change, delete, rotate the secret, send a test event, list deliveries and retry one. Deliveries
// of recorded events are queued by recordEvent (services/events/) and sent by the job dispatcher
// (delivery.handler.ts).
import { randomUUID } from 'node:crypto'
import { DomainError } from '../../domain/errors.ts'
import { eventTypes } from '../../domain/events.ts'
import {
  checkFilter,
  checkWebhookUrl,
  type Delivery,
  type DeliveryStatus,
  newWebhookSecret,
  TEST_EVENT_TYPE,
  type Webhook,
} from '../../domain/webhooks.ts'
import type { Executor } from '../../store/executor.ts'
import { deleteJobsOf, retryJobNow } from '../../store/jobs.repository.ts'
import {
  deleteWebhook as deleteWebhookRow,
  findDelivery,
  findWebhook,
  insertWebhook,
  listDeliveries as listDeliveryRows,
  listWebhooks as listWebhookRows,
  queueDelivery,
  updateWebhook as updateWebhookRow,
  WEBHOOK_JOB,
} from '../../store/webhooks.repository.ts'
import { type Actor, requirePermission } from '../access.ts'
import type { ServiceDependencies } from '../dependencies.ts'
import { recordEvent } from '../events/events.service.ts'
import { decodeDatedCursor, type Page, pageOf } from '../pagination.ts'
import { inTransaction } from '../transaction.ts'
import { DestinationNotAllowed, resolvePublicAddresses } from './delivery-client.ts'

export interface WebhookWithSecret {
  webhook: Webhook
  secret: string
}

function invalid(path: string, message: string): DomainError {
  return new DomainError('validation_failed', `${path.slice(1)} ${message}`, {
    errors: [{ in: 'body', path, message }],
  })
}

/** The URL's form, then where it resolves to (unless WEBHOOK_ALLOW_PRIVATE=on). */
async function checkDestination(deps: ServiceDependencies, url: string): Promise<void> {
  const problem = checkWebhookUrl(url)
  if (problem) throw invalid('/url', problem)
  if (deps.webhooks.allowPrivate) return
  try {
    await resolvePublicAddresses(new URL(url).hostname)
  } catch (error) {
    if (error instanceof DestinationNotAllowed)
      throw new DomainError('destination_not_allowed', error.message)
    throw error
  }
}

/** What a filter may name: every event type, and the test event. */
const filterableTypes: readonly string[] = [...eventTypes, TEST_EVENT_TYPE]

function checkFilters(events: string[]): string[] {
  const unique = [...new Set(events)]
  unique.forEach((filter, index) => {
    const problem = checkFilter(filter, filterableTypes)
    if (problem) throw invalid(`/events/${index}`, problem)
  })
  return unique
}

async function requireWebhook(db: Executor, organizationId: string, id: string): Promise<Webhook> {
  const webhook = await findWebhook(db, organizationId, id)
  if (!webhook) throw new DomainError('not_found', 'no such webhook')
  return webhook
}

/** What an event records of an endpoint: never its secret. */
const recorded = (webhook: Webhook) => ({
  url: webhook.url,
  events: webhook.events,
  description: webhook.description,
  enabled: webhook.enabled,
})

export async function listWebhooks(
  deps: ServiceDependencies,
  actor: Actor,
  page: { limit: number; cursor?: string },
): Promise<Page<Webhook>> {
  const { organization } = requirePermission(actor, 'webhook:read')
  const after = page.cursor ? decodeDatedCursor(page.cursor) : undefined
  const rows = await listWebhookRows(deps.db, organization.id, { limit: page.limit + 1, after })
  return pageOf(rows, page.limit, (webhook) => [webhook.createdAt.toISOString(), webhook.id])
}

export async function getWebhook(deps: ServiceDependencies, actor: Actor, id: string): Promise<Webhook> {
  const { organization } = requirePermission(actor, 'webhook:read')
  return requireWebhook(deps.db, organization.id, id)
}

export async function createWebhook(
  deps: ServiceDependencies,
  actor: Actor,
  input: { url: string; events: string[]; description?: string },
): Promise<WebhookWithSecret> {
  const { organization } = requirePermission(actor, 'webhook:manage')
  const events = checkFilters(input.events)
  await checkDestination(deps, input.url)
  const secret = newWebhookSecret()
  return inTransaction(deps, async (tx) => {
    const webhook = await insertWebhook(tx.db, {
      organizationId: organization.id,
      url: input.url,
      events,
      description: input.description ?? '',
      secret,
      now: tx.now,
    })
    await recordEvent(tx, actor, {
      type: 'webhook.created',
      organizationId: organization.id,
      targetId: webhook.id,
      data: recorded(webhook),
    })
    return { webhook, secret }
  })
}

export async function updateWebhook(
  deps: ServiceDependencies,
  actor: Actor,
  id: string,
  change: { url?: string; events?: string[]; description?: string; enabled?: boolean },
): Promise<Webhook> {
  const { organization } = requirePermission(actor, 'webhook:manage')
  const events = change.events && checkFilters(change.events)
  if (change.url !== undefined) await checkDestination(deps, change.url)
  return inTransaction(deps, async (tx) => {
    const before = await requireWebhook(tx.db, organization.id, id)
    const after = await updateWebhookRow(tx.db, organization.id, id, {
      url: change.url,
      events,
      description: change.description,
      enabled: change.enabled,
      // Enabling clears the reason; disabling by hand gives none.
      ...(change.enabled !== undefined ? { disabledReason: null } : {}),
    })
    if (!after) throw new DomainError('not_found', 'no such webhook')
    if (JSON.stringify(recorded(before)) !== JSON.stringify(recorded(after))) {
      await recordEvent(tx, actor, {
        type: 'webhook.updated',
        organizationId: organization.id,
        targetId: id,
        data: { before: recorded(before), after: recorded(after), secretRotated: false },
      })
    }
    return after
  })
}

/** Deletes the endpoint with its deliveries (sent or not). */
export async function deleteWebhook(deps: ServiceDependencies, actor: Actor, id: string): Promise<void> {
  const { organization } = requirePermission(actor, 'webhook:manage')
  await inTransaction(deps, async (tx) => {
    const webhook = await requireWebhook(tx.db, organization.id, id)
    // The endpoint's row first, then its deliveries', as the dispatcher locks them.
    await deleteWebhookRow(tx.db, organization.id, id)
    await deleteJobsOf(tx.db, organization.id, [WEBHOOK_JOB], id)
    await recordEvent(tx, actor, {
      type: 'webhook.deleted',
      organizationId: organization.id,
      targetId: id,
      data: { url: webhook.url },
    })
  })
}

/** A new secret, for every delivery attempted from now on (retries of older deliveries too). */
export async function rotateWebhookSecret(
  deps: ServiceDependencies,
  actor: Actor,
  id: string,
): Promise<WebhookWithSecret> {
  const { organization } = requirePermission(actor, 'webhook:manage')
  const secret = newWebhookSecret()
  return inTransaction(deps, async (tx) => {
    await requireWebhook(tx.db, organization.id, id)
    const webhook = await updateWebhookRow(tx.db, organization.id, id, { secret })
    if (!webhook) throw new DomainError('not_found', 'no such webhook')
    await recordEvent(tx, actor, {
      type: 'webhook.updated',
      organizationId: organization.id,
      targetId: id,
      data: { before: recorded(webhook), after: recorded(webhook), secretRotated: true },
    })
    return { webhook, secret }
  })
}

/** Queues a `webhook.test` event to this endpoint alone; it is not recorded. */
export async function sendTestEvent(deps: ServiceDependencies, actor: Actor, id: string): Promise<void> {
  const { organization } = requirePermission(actor, 'webhook:manage')
  await inTransaction(deps, async (tx) => {
    const webhook = await requireWebhook(tx.db, organization.id, id)
    if (!webhook.enabled) throw new DomainError('conflict', 'this webhook is disabled; enable it first')
    await queueDelivery(
      tx.db,
      webhook,
      {
        id: randomUUID(),
        type: TEST_EVENT_TYPE,
        timestamp: tx.now.toISOString(),
        organizationId: organization.id,
        data: { webhookId: webhook.id, url: webhook.url },
      },
      tx.now,
    )
    tx.jobQueued()
  })
}

export async function listDeliveries(
  deps: ServiceDependencies,
  actor: Actor,
  id: string,
  page: { limit: number; cursor?: string; status?: DeliveryStatus },
): Promise<Page<Delivery>> {
  const { organization } = requirePermission(actor, 'webhook:read')
  const webhook = await requireWebhook(deps.db, organization.id, id)
  const before = page.cursor ? decodeDatedCursor(page.cursor) : undefined
  const rows = await listDeliveryRows(deps.db, webhook, {
    limit: page.limit + 1,
    before,
    status: page.status,
  })
  return pageOf(rows, page.limit, (delivery) => [delivery.createdAt.toISOString(), delivery.id])
}

/** One more attempt of the delivery now (same `webhook-id`), whatever its status. */
export async function retryDelivery(
  deps: ServiceDependencies,
  actor: Actor,
  id: string,
  deliveryId: string,
): Promise<void> {
  const { organization } = requirePermission(actor, 'webhook:manage')
  await inTransaction(deps, async (tx) => {
    const webhook = await requireWebhook(tx.db, organization.id, id)
    const delivery = await findDelivery(tx.db, webhook, deliveryId)
    if (!delivery) throw new DomainError('not_found', 'no such delivery')
    if (!webhook.enabled) throw new DomainError('conflict', 'this webhook is disabled; enable it first')
    await retryJobNow(tx.db, delivery.id, tx.now)
    tx.jobQueued()
  })
}
