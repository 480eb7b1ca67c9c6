// An organization's webhook endpoints, and their deliveries: jobs of kind `webhook`
// (jobs.repository.ts) whose subject is the endpoint and whose payload is the body to send.
import { sql } from 'kysely'
import type { Delivery, DeliveryPayload, DeliveryStatus, Webhook } from '../domain/webhooks.ts'
import type { Executor } from './executor.ts'
import { insertJob } from './jobs.repository.ts'
import { createdAfter } from './keyset.ts'

export const WEBHOOK_JOB = 'webhook'

const columns = [
  'id',
  'organization_id',
  'url',
  'events',
  'description',
  'enabled',
  'disabled_reason',
  'created_at',
] as const

function webhookRowToWebhook(row: {
  id: string
  organization_id: string
  url: string
  events: string[]
  description: string
  enabled: boolean
  disabled_reason: string | null
  created_at: Date
}): Webhook {
  return {
    id: row.id,
    organizationId: row.organization_id,
    url: row.url,
    events: row.events,
    description: row.description,
    enabled: row.enabled,
    disabledReason: row.disabled_reason,
    createdAt: row.created_at,
  }
}

export async function insertWebhook(
  db: Executor,
  webhook: {
    organizationId: string
    url: string
    events: string[]
    description: string
    secret: string
    now: Date
  },
): Promise<Webhook> {
  const row = await db
    .insertInto('webhooks')
    .values({
      organization_id: webhook.organizationId,
      url: webhook.url,
      events: webhook.events,
      description: webhook.description,
      secret: webhook.secret,
      created_at: webhook.now,
    })
    .returning(columns)
    .executeTakeFirstOrThrow()
  return webhookRowToWebhook(row)
}

export async function findWebhook(
  db: Executor,
  organizationId: string,
  id: string,
): Promise<Webhook | undefined> {
  const row = await db
    .selectFrom('webhooks')
    .select(columns)
    .where('organization_id', '=', organizationId)
    .where('id', '=', id)
    .executeTakeFirst()
  return row && webhookRowToWebhook(row)
}

/** The endpoint with its secret and failure streak, for a delivery attempt. */
export async function findWebhookForDelivery(
  db: Executor,
  organizationId: string,
  id: string,
): Promise<(Webhook & { secret: string; failingSince: Date | null }) | undefined> {
  const row = await db
    .selectFrom('webhooks')
    .select([...columns, 'secret', 'failing_since'])
    .where('organization_id', '=', organizationId)
    .where('id', '=', id)
    .executeTakeFirst()
  return row && { ...webhookRowToWebhook(row), secret: row.secret, failingSince: row.failing_since }
}

export async function listWebhooks(
  db: Executor,
  organizationId: string,
  page: { limit: number; after?: { at: Date; id: string } },
): Promise<Webhook[]> {
  let select = db.selectFrom('webhooks').select(columns).where('organization_id', '=', organizationId)
  if (page.after) select = select.where(createdAfter('webhooks', page.after))
  const rows = await select.orderBy('created_at').orderBy('id').limit(page.limit).execute()
  return rows.map(webhookRowToWebhook)
}

export async function updateWebhook(
  db: Executor,
  organizationId: string,
  id: string,
  change: {
    url?: string
    events?: string[]
    description?: string
    enabled?: boolean
    disabledReason?: string | null
    secret?: string
  },
): Promise<Webhook | undefined> {
  const row = await db
    .updateTable('webhooks')
    .set({
      ...(change.url !== undefined ? { url: change.url } : {}),
      ...(change.events !== undefined ? { events: change.events } : {}),
      ...(change.description !== undefined ? { description: change.description } : {}),
      ...(change.secret !== undefined ? { secret: change.secret } : {}),
      ...(change.enabled !== undefined ? { enabled: change.enabled, failing_since: null } : {}),
      ...(change.disabledReason !== undefined ? { disabled_reason: change.disabledReason } : {}),
    })
    .where('organization_id', '=', organizationId)
    .where('id', '=', id)
    .returning(columns)
    .executeTakeFirst()
  return row && webhookRowToWebhook(row)
}

export async function deleteWebhook(db: Executor, organizationId: string, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('webhooks')
    .where('organization_id', '=', organizationId)
    .where('id', '=', id)
    .executeTakeFirst()
  return result.numDeletedRows > 0n
}

/** Locks the endpoint's row until the transaction ends (before any of its deliveries' rows). */
export async function lockWebhook(db: Executor, organizationId: string, id: string): Promise<void> {
  await db
    .selectFrom('webhooks')
    .select('id')
    .where('organization_id', '=', organizationId)
    .where('id', '=', id)
    .forUpdate()
    .execute()
}

/** True while the endpoint has a failure streak (read without a lock). */
export async function isEndpointFailing(db: Executor, organizationId: string, id: string): Promise<boolean> {
  const row = await db
    .selectFrom('webhooks')
    .select('failing_since')
    .where('organization_id', '=', organizationId)
    .where('id', '=', id)
    .executeTakeFirst()
  return row?.failing_since != null
}

/**
 * Records an attempt's effect on the endpoint's failure streak: a success ends it; a failure starts
 * it if none is running. Answers when the streak began (null after a success).
 */
export async function recordEndpointOutcome(
  db: Executor,
  organizationId: string,
  id: string,
  outcome: { ok: boolean; at: Date },
): Promise<Date | null> {
  const row = await db
    .updateTable('webhooks')
    .set({
      failing_since: outcome.ok ? null : sql<Date>`coalesce(failing_since, ${outcome.at})`,
    })
    .where('organization_id', '=', organizationId)
    .where('id', '=', id)
    .returning('failing_since')
    .executeTakeFirst()
  return row?.failing_since ?? null
}

/** Queues one delivery to one endpoint (the test event). */
export async function queueDelivery(
  db: Executor,
  webhook: { organizationId: string; id: string },
  payload: DeliveryPayload,
  now: Date,
): Promise<string> {
  return insertJob(
    db,
    { kind: WEBHOOK_JOB, organizationId: webhook.organizationId, subjectId: webhook.id, payload },
    now,
  )
}

const deliveryColumns = [
  'id',
  'subject_id',
  'payload',
  'status',
  'attempts',
  'last_status_code',
  'last_error',
  'next_attempt_at',
  'created_at',
  'completed_at',
] as const

function deliveryRowToDelivery(row: {
  id: string
  subject_id: string | null
  payload: unknown
  status: DeliveryStatus
  attempts: number
  last_status_code: number | null
  last_error: string | null
  next_attempt_at: Date
  created_at: Date
  completed_at: Date | null
}): Delivery {
  const payload = row.payload as DeliveryPayload
  return {
    id: row.id,
    webhookId: row.subject_id ?? '',
    eventId: payload.id,
    type: payload.type,
    status: row.status,
    attempts: row.attempts,
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    nextAttemptAt: row.status === 'pending' ? row.next_attempt_at : null,
    createdAt: row.created_at,
    completedAt: row.completed_at,
  }
}

/** An endpoint's deliveries, newest first. */
export async function listDeliveries(
  db: Executor,
  webhook: { organizationId: string; id: string },
  page: { limit: number; before?: { at: Date; id: string }; status?: DeliveryStatus },
): Promise<Delivery[]> {
  let select = db
    .selectFrom('jobs')
    .select(deliveryColumns)
    .where('organization_id', '=', webhook.organizationId)
    .where('subject_id', '=', webhook.id)
    .where('kind', '=', WEBHOOK_JOB)
  if (page.status) select = select.where('status', '=', page.status)
  if (page.before) {
    const before = page.before
    select = select.where(sql<boolean>`(created_at, id) < (${before.at}, ${before.id}::uuid)`)
  }
  const rows = await select.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(page.limit).execute()
  return rows.map(deliveryRowToDelivery)
}

export async function findDelivery(
  db: Executor,
  webhook: { organizationId: string; id: string },
  deliveryId: string,
): Promise<Delivery | undefined> {
  const row = await db
    .selectFrom('jobs')
    .select(deliveryColumns)
    .where('organization_id', '=', webhook.organizationId)
    .where('subject_id', '=', webhook.id)
    .where('kind', '=', WEBHOOK_JOB)
    .where('id', '=', deliveryId)
    .executeTakeFirst()
  return row && deliveryRowToDelivery(row)
}
