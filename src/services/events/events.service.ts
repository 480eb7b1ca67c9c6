// The one way a change records its event: in the change's own transaction (both happen or
// neither). The transaction helper writes a transaction's events in one statement just before it
// commits (store change-records.ts, with the webhook deliveries they cause); nobody waits for
// anybody there. The chain's seq and hash are given afterwards by the chainer (audit-chain.ts),
// which every reader of the log runs first, so a reader never sees the log without a committed event.
import { randomUUID } from 'node:crypto'
import { eventHash, GENESIS_HASH } from '../../domain/event-chain.ts'
import {
  type AuditEvent,
  type EventActor,
  type NewEvent,
  systemActor,
  targetTypeOf,
} from '../../domain/events.ts'
import type { UnchainedEvent } from '../../store/audit.repository.ts'
import type { Actor } from '../access.ts'
import type { Transaction } from '../transaction.ts'

/** Who records: the person whose request made the change, or Portico's own background work. */
export type EventAuthor = Actor | 'system'

function actorOf(author: EventAuthor): EventActor {
  return author === 'system' ? systemActor : { type: 'user', id: author.user.id, name: author.user.name }
}

/** Records `event` as part of the change `tx` makes; queued when the change's work is done. */
export async function recordEvent(tx: Transaction, author: EventAuthor, event: NewEvent): Promise<void> {
  tx.events.push({
    id: randomUUID(),
    organizationId: event.organizationId,
    type: event.type,
    occurredAt: tx.now.toISOString(),
    actor: actorOf(author),
    target: { type: targetTypeOf(event.type), id: event.targetId },
    data: event.data,
    requestId: author === 'system' ? null : author.requestId,
  })
}

/**
 * Splits a transaction's events: a new organization's (those of the transaction that records its
 * organization.created, which no one else can write to before it commits) are chained at once,
 * from the genesis hash; every other event is queued for the chainer (audit-chain.ts).
 */
export function chainNewOrganizations(events: readonly UnchainedEvent[]): {
  queued: UnchainedEvent[]
  started: AuditEvent[]
} {
  const newOrganizations = new Set(
    events.filter((event) => event.type === 'organization.created').map((event) => event.organizationId),
  )
  const started: AuditEvent[] = []
  const queued: UnchainedEvent[] = []
  const heads = new Map<string, { seq: number; hash: string }>()
  for (const event of events) {
    if (!newOrganizations.has(event.organizationId)) {
      queued.push(event)
      continue
    }
    const previous = heads.get(event.organizationId) ?? { seq: 0, hash: GENESIS_HASH }
    const seq = previous.seq + 1
    const hash = eventHash(previous.hash, { ...event, seq })
    heads.set(event.organizationId, { seq, hash })
    started.push({ ...event, seq, hash })
  }
  return { queued, started }
}
