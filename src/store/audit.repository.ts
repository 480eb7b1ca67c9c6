// The audit log: each organization's events as a hash chain, and the chain's head kept apart.
// Appending takes the head's row lock, so an organization's events get their seq one after the
// other, with no gaps, however many transactions write at once.
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
 * The organization's chain head, locked for the rest of the transaction; created empty (seq 0)
 * if the organization has none yet.
 */
export async function lockChainHead(db: Executor, organizationId: string): Promise<ChainHead> {
  const row =
    (await db
      .selectFrom('audit_chain_heads')
      .select(['seq', 'hash'])
      .where('organization_id', '=', organizationId)
      .forUpdate()
      .executeTakeFirst()) ??
    // A new organization: the inserted row is ours and locked; a concurrent insert waits for us.
    (await db
      .insertInto('audit_chain_heads')
      .values({ organization_id: organizationId, seq: 0, hash: GENESIS_HASH })
      .onConflict((c) => c.column('organization_id').doNothing())
      .returning(['seq', 'hash'])
      .executeTakeFirst()) ??
    (await db
      .selectFrom('audit_chain_heads')
      .select(['seq', 'hash'])
      .where('organization_id', '=', organizationId)
      .forUpdate()
      .executeTakeFirstOrThrow())
  return { seq: Number(row.seq), hash: row.hash }
}

/**
 * Stores the event and moves the head to it, in one statement. With `closing`, the head also
 * records when the organization was deleted (the start of its retention).
 */
export async function appendEvent(db: Executor, event: AuditEvent, closing: boolean): Promise<void> {
  await db
    .with('appended', (q) =>
      q.insertInto('audit_events').values({
        organization_id: event.organizationId,
        seq: event.seq,
        id: event.id,
        type: event.type,
        occurred_at: new Date(event.occurredAt),
        actor_type: event.actor.type,
        actor_id: event.actor.id,
        actor_name: event.actor.name,
        target_type: event.target.type,
        target_id: event.target.id,
        data: JSON.stringify(event.data),
        request_id: event.requestId,
        hash: event.hash,
      }),
    )
    .updateTable('audit_chain_heads')
    .set({
      seq: event.seq,
      hash: event.hash,
      ...(closing ? { deleted_at: new Date(event.occurredAt) } : {}),
    })
    .where('organization_id', '=', event.organizationId)
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
