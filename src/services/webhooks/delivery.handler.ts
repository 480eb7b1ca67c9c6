// The `webhook` job: one attempt of one delivery, signed the Standard Webhooks way with the
// endpoint's current secret. Its outcome moves the endpoint's failure streak; an endpoint whose
// deliveries have all failed for WEBHOOK_DISABLE_AFTER is disabled, its pending deliveries given
// up, and the organization's owners mailed — in the transaction that records the attempt.
import { type DeliveryPayload, deliveryBody, retryDelay, signDelivery } from '../../domain/webhooks.ts'
import { webhookDisabledMail } from '../../mail/templates.ts'
import { failPendingJobs } from '../../store/jobs.repository.ts'
import { listOwnerContacts } from '../../store/memberships.repository.ts'
import { findOrganizationById } from '../../store/organizations.repository.ts'
import {
  findWebhookForDelivery,
  isEndpointFailing,
  lockWebhook,
  recordEndpointOutcome,
  updateWebhook,
  WEBHOOK_JOB,
} from '../../store/webhooks.repository.ts'
import type { ServiceDependencies } from '../dependencies.ts'
import { recordEvent } from '../events/events.service.ts'
import type { JobHandler } from '../jobs/dispatcher.ts'
import { queueMail } from '../outbox.ts'
import { DestinationNotAllowed, postJson } from './delivery-client.ts'

function describeDuration(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
    [1_000, 'second'],
  ]
  for (const [size, name] of units) {
    if (ms >= size && ms % size === 0) return `${ms / size} ${name}${ms / size === 1 ? '' : 's'}`
  }
  return `${ms} ms`
}

export function webhookDeliveryHandler(deps: ServiceDependencies): JobHandler {
  const settings = deps.webhooks
  return {
    run: async (job) => {
      const payload = job.payload as DeliveryPayload
      const webhook =
        job.organizationId && job.subjectId
          ? await findWebhookForDelivery(deps.db, job.organizationId, job.subjectId)
          : undefined
      if (!webhook) return { ok: false, giveUp: true, error: 'the endpoint was deleted' }
      if (!webhook.enabled) return { ok: false, giveUp: true, error: 'the endpoint is disabled' }
      const body = deliveryBody(payload)
      const timestamp = Math.floor(deps.clock.now().getTime() / 1000)
      try {
        const { statusCode } = await postJson(
          webhook.url,
          body,
          {
            'webhook-id': payload.id,
            'webhook-timestamp': String(timestamp),
            'webhook-signature': signDelivery(webhook.secret, payload.id, timestamp, body),
          },
          { allowPrivate: settings.allowPrivate },
        )
        if (statusCode >= 200 && statusCode < 300) return { ok: true, statusCode }
        if (statusCode >= 300 && statusCode < 400)
          return {
            ok: false,
            statusCode,
            error: `the receiver answered ${statusCode}; redirects are not followed`,
          }
        return { ok: false, statusCode, error: `the receiver answered ${statusCode}` }
      } catch (error) {
        const message = (error as Error).message
        return {
          ok: false,
          error: error instanceof DestinationNotAllowed ? `destination_not_allowed: ${message}` : message,
        }
      }
    },
    retryDelayMs: (attempts) => retryDelay(settings.retrySchedule, attempts),
    // Deleting or disabling an endpoint locks its row, then its deliveries': the same order here.
    // A success at an endpoint without a failure streak (the common case) touches no endpoint
    // row, so deliveries to one endpoint do not queue behind each other's row lock.
    lock: async (tx, job, outcome) => {
      if (!job.organizationId || !job.subjectId || outcome.giveUp) return
      if (outcome.ok && !(await isEndpointFailing(tx.db, job.organizationId, job.subjectId))) return
      await lockWebhook(tx.db, job.organizationId, job.subjectId)
    },
    settle: async (tx, job, outcome) => {
      if (!job.organizationId || !job.subjectId) return
      if (outcome.giveUp) return
      if (outcome.ok && !(await isEndpointFailing(tx.db, job.organizationId, job.subjectId))) return
      const failingSince = await recordEndpointOutcome(tx.db, job.organizationId, job.subjectId, {
        ok: outcome.ok,
        at: tx.now,
      })
      if (!failingSince || tx.now.getTime() - failingSince.getTime() < settings.disableAfterMs) return
      const before = await findWebhookForDelivery(tx.db, job.organizationId, job.subjectId)
      if (!before?.enabled) return
      const reason = `every delivery failed for ${describeDuration(settings.disableAfterMs)} (since ${failingSince.toISOString()}); last error: ${outcome.error ?? 'unknown'}`
      const after = await updateWebhook(tx.db, job.organizationId, job.subjectId, {
        enabled: false,
        disabledReason: reason,
      })
      if (!after) return
      await failPendingJobs(
        tx.db,
        { organizationId: job.organizationId, subjectId: job.subjectId, kind: WEBHOOK_JOB },
        'the endpoint was disabled',
        tx.now,
      )
      const recorded = (w: typeof after) => ({
        url: w.url,
        events: w.events,
        description: w.description,
        enabled: w.enabled,
      })
      await recordEvent(tx, 'system', {
        type: 'webhook.updated',
        organizationId: job.organizationId,
        targetId: job.subjectId,
        data: { before: recorded(before), after: recorded(after), secretRotated: false },
      })
      const organization = await findOrganizationById(tx.db, job.organizationId)
      for (const owner of await listOwnerContacts(tx.db, job.organizationId)) {
        await queueMail(
          deps,
          tx,
          webhookDisabledMail({
            to: owner.email,
            name: owner.name,
            organizationName: organization?.name ?? 'your organization',
            url: after.url,
            reason,
            link: `${deps.publicUrl}/webhooks`,
          }),
          // At most one per endpoint and WEBHOOK_DISABLE_AFTER, to the owners only: not a flood.
          'reserved',
        )
      }
    },
  }
}
