// The one way a change records its event: in the change's own transaction (both happen or
// neither), appended to the organization's hash chain under the chain head's row lock, so `seq`
// counts from 1 with no gaps however many writes run at once. The hash is the rule of API.md
// (domain eventHash), computed by the database in the statement that takes the seq.
import { randomUUID } from 'node:crypto'
import {
  type AuditEvent,
  type EventActor,
  eventHashParts,
  type NewEvent,
  systemActor,
  targetTypeOf,
} from '../../domain/events.ts'
import { appendEvent, startChain } from '../../store/audit.repository.ts'
import type { Actor } from '../access.ts'
import type { Transaction } from '../transaction.ts'
import { queueEventDeliveries } from '../webhooks/event-deliveries.ts'

/** Who records: the person whose request made the change, or Portico's own background work. */
export type EventAuthor = Actor | 'system'

function actorOf(author: EventAuthor): EventActor {
  return author === 'system' ? systemActor : { type: 'user', id: author.user.id, name: author.user.name }
}

/**
 * Records `event` in `tx`, after the change's own writes: the chain head stays locked until the
 * transaction ends, so the later it is taken, the less concurrent writes of the organization wait.
 * One statement (store appendEvent); two more the first time an organization records anything.
 */
export async function recordEvent(
  tx: Transaction,
  author: EventAuthor,
  event: NewEvent,
): Promise<AuditEvent> {
  const unsequenced: Omit<AuditEvent, 'seq' | 'hash'> = {
    id: randomUUID(),
    organizationId: event.organizationId,
    type: event.type,
    occurredAt: tx.now.toISOString(),
    actor: actorOf(author),
    target: { type: targetTypeOf(event.type), id: event.targetId },
    data: event.data,
    requestId: author === 'system' ? null : author.requestId,
  }
  const parts = eventHashParts(unsequenced)
  const closing = event.type === 'organization.deleted'
  let head = await appendEvent(tx.db, unsequenced, parts, closing)
  if (!head) {
    await startChain(tx.db, event.organizationId)
    head = await appendEvent(tx.db, unsequenced, parts, closing)
    if (!head) throw new Error(`the audit chain of ${event.organizationId} could not be started`)
  }
  const recorded: AuditEvent = { ...unsequenced, seq: head.seq, hash: head.hash }
  // The organization's enabled endpoints whose filters take it get a delivery, in this transaction.
  await queueEventDeliveries(tx, recorded)
  return recorded
}
