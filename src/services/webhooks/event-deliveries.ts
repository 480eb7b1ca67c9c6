// Called by recordEvent (services/events/) for every recorded event, in the event's transaction:
// one delivery per enabled endpoint of the organization whose filters take the event's type, so a
// delivery exists if and only if the change committed.
import type { AuditEvent } from '../../domain/events.ts'
import { queueDeliveries } from '../../store/webhooks.repository.ts'
import type { Transaction } from '../transaction.ts'

export async function queueEventDeliveries(tx: Transaction, event: AuditEvent): Promise<void> {
  const queued = await queueDeliveries(
    tx.db,
    {
      id: event.id,
      type: event.type,
      timestamp: event.occurredAt,
      organizationId: event.organizationId,
      data: event.data,
    },
    tx.now,
  )
  if (queued > 0) tx.jobQueued()
}
