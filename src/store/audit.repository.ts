// The audit log: each organization's events as a hash chain, and the chain's head kept apart.
// Appending takes the head's row lock, so an organization's events get their seq one after the
// other, with no gaps, however many transactions write at once.
import { sql } from 'kysely'
import {
  type AuditEvent,
  type EventActor,
  type EventType,
  GENESIS_HASH,
  type TargetType,
} from '../domain/events.ts'
import type { Executor } from './executor.ts'
import type { AuditEventsTable } from './tables.ts'

export interface ChainHead {
  seq: number
  hash: string
}

/**
 * Appends the event to its organization's chain in one statement: the UPDATE of the chain head
 * takes its row lock (held to the end of the transaction, so appends to one organization run one
 * after the other), the next seq, and computes the hash from the previous one, as
 * `sha256(previous hash + before + seq + after)` where `before` and `after` are the event's
 * canonical JSON around its seq (domain eventHashParts); the event is inserted with them.
 * Undefined when the organization has no chain head yet (see startChain).
 */
export async function appendEvent(
  db: Executor,
  event: Omit<AuditEvent, 'seq' | 'hash'>,
  canonical: { before: string; after: string },
  closing: boolean,
): Promise<ChainHead | undefined> {
  const occurredAt = new Date(event.occurredAt)
  const result = await sql<{ seq: string | number; hash: string }>`
    with head as (
      update audit_chain_heads
      set seq = seq + 1,
        hash = encode(sha256(convert_to(hash || ${canonical.before} || (seq + 1)::text || ${canonical.after}, 'UTF8')), 'hex'),
        deleted_at = case when ${closing} then ${occurredAt}::timestamptz else deleted_at end
      where organization_id = ${event.organizationId}::uuid
      returning seq, hash
    )
    insert into audit_events (organization_id, seq, id, type, occurred_at, actor_type, actor_id, actor_name,
      target_type, target_id, data, request_id, hash)
    select ${event.organizationId}::uuid, head.seq, ${event.id}::uuid, ${event.type}, ${occurredAt}::timestamptz,
      ${event.actor.type}, ${event.actor.id}::uuid, ${event.actor.name}, ${event.target.type}, ${event.target.id},
      ${JSON.stringify(event.data)}::jsonb, ${event.requestId}, head.hash
    from head
    returning seq, hash`.execute(db)
  const row = result.rows[0]
  return row && { seq: Number(row.seq), hash: row.hash }
}

/** Starts an empty chain (seq 0) for an organization that has none; nothing if it has one. */
export async function startChain(db: Executor, organizationId: string): Promise<void> {
  await db
    .insertInto('audit_chain_heads')
    .values({ organization_id: organizationId, seq: 0, hash: GENESIS_HASH })
    .onConflict((c) => c.column('organization_id').doNothing())
    .execute()
}

function eventOfRow(row: AuditEventsTable): AuditEvent {
  return {
    id: row.id,
    organizationId: row.organization_id,
    seq: Number(row.seq),
    type: row.type as EventType,
    occurredAt: row.occurred_at.toISOString(),
    actor: { type: row.actor_type, id: row.actor_id, name: row.actor_name } as EventActor,
    target: { type: row.target_type as TargetType, id: row.target_id },
    data: row.data,
    requestId: row.request_id,
    hash: row.hash,
  }
}

export interface EventFilter {
  types?: readonly EventType[]
  actorId?: string
  targetId?: string
  since?: Date
  until?: Date
}

/** Newest first: events with seq below `beforeSeq` (all when undefined), at most `limit`. */
export async function listEvents(
  db: Executor,
  organizationId: string,
  filter: EventFilter & { beforeSeq?: number; limit: number },
): Promise<AuditEvent[]> {
  let query = db.selectFrom('audit_events').selectAll().where('organization_id', '=', organizationId)
  if (filter.types) query = query.where('type', 'in', filter.types)
  if (filter.actorId) query = query.where('actor_id', '=', filter.actorId)
  if (filter.targetId) query = query.where('target_id', '=', filter.targetId)
  if (filter.since) query = query.where('occurred_at', '>=', filter.since)
  if (filter.until) query = query.where('occurred_at', '<', filter.until)
  if (filter.beforeSeq !== undefined) query = query.where('seq', '<', filter.beforeSeq)
  const rows = await query.orderBy('seq', 'desc').limit(filter.limit).execute()
  return rows.map(eventOfRow)
}

/** Oldest first: events with seq above `afterSeq`, at most `limit` (one batch of an export or a walk). */
export async function listEventsInOrder(
  db: Executor,
  organizationId: string,
  filter: Pick<EventFilter, 'since' | 'until'> & { afterSeq: number; limit: number },
): Promise<AuditEvent[]> {
  let query = db
    .selectFrom('audit_events')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('seq', '>', filter.afterSeq)
  if (filter.since) query = query.where('occurred_at', '>=', filter.since)
  if (filter.until) query = query.where('occurred_at', '<', filter.until)
  const rows = await query.orderBy('seq', 'asc').limit(filter.limit).execute()
  return rows.map(eventOfRow)
}

export async function findChainHead(
  db: Executor,
  organizationId: string,
): Promise<(ChainHead & { deletedAt: Date | null }) | undefined> {
  const row = await db
    .selectFrom('audit_chain_heads')
    .select(['seq', 'hash', 'deleted_at'])
    .where('organization_id', '=', organizationId)
    .executeTakeFirst()
  return row && { seq: Number(row.seq), hash: row.hash, deletedAt: row.deleted_at }
}

/**
 * One step of the retention sweep: locks one deleted organization's head whose retention ended
 * (skipping heads another instance is purging), deletes up to `batch` of its oldest events, and
 * the head itself once none is left. Returns how many rows went; 0 when nothing is due.
 */
export async function purgeExpiredEvents(db: Executor, deletedBefore: Date, batch: number): Promise<number> {
  const head = await db
    .selectFrom('audit_chain_heads')
    .select('organization_id')
    .where('deleted_at', '<', deletedBefore)
    .limit(1)
    .forUpdate()
    .skipLocked()
    .executeTakeFirst()
  if (!head) return 0
  const deleted = await db
    .deleteFrom('audit_events')
    .where('organization_id', '=', head.organization_id)
    .where(
      'seq',
      'in',
      db
        .selectFrom('audit_events')
        .select('seq')
        .where('organization_id', '=', head.organization_id)
        .orderBy('seq')
        .limit(batch),
    )
    .executeTakeFirst()
  const events = Number(deleted.numDeletedRows)
  if (events > 0) return events
  await db.deleteFrom('audit_chain_heads').where('organization_id', '=', head.organization_id).execute()
  return 1
}
