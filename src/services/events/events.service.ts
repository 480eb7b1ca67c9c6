// The one way a change records its event: in the change's own transaction (both happen or
// neither), appended to the organization's hash chain under the chain head's row lock, so `seq`
// counts from 1 with no gaps however many writes run at once.
import { randomUUID } from 'node:crypto'
import {
  type AuditEvent,
  type EventActor,
  eventHash,
  type NewEvent,
  systemActor,
  targetTypeOf,
} from '../../domain/events.ts'
import { appendEvent, lockChainHead } from '../../store/audit.repository.ts'
import type { Actor } from '../access.ts'
import type { Transaction } from '../transaction.ts'

/** Who records: the person whose request made the change, or Portico's own background work. */
export type EventAuthor = Actor | 'system'

function actorOf(author: EventAuthor): EventActor {
  return author === 'system' ? systemActor : { type: 'user', id: author.user.id, name: author.user.name }
}

/**
 * Records `event` in `tx`. Call it once per change, after the change's own writes: the chain
 * head stays locked until the transaction ends, so the later it is taken, the less concurrent
 * writes of the organization wait.
 */
export async function recordEvent(
  tx: Transaction,
  author: EventAuthor,
  event: NewEvent,
): Promise<AuditEvent> {
  const head = await lockChainHead(tx.db, event.organizationId)
  const unhashed: Omit<AuditEvent, 'hash'> = {
    id: randomUUID(),
    organizationId: event.organizationId,
    seq: head.seq + 1,
    type: event.type,
    occurredAt: tx.now.toISOString(),
    actor: actorOf(author),
    target: { type: targetTypeOf(event.type), id: event.targetId },
    data: event.data,
    requestId: author === 'system' ? null : author.requestId,
  }
  const recorded: AuditEvent = { ...unhashed, hash: eventHash(head.hash, unhashed) }
  await appendEvent(tx.db, recorded, event.type === 'organization.deleted')
  return recorded
}
