// The audit log: each organization's events as a hash chain, the chain's head kept apart, and the
// queue of events recorded by committed changes and not chained yet (migration 0017). Chaining
// takes the head's row lock, so an organization's events get their seq one after the other, with
// no gaps, however many transactions write at once; writers never take it.
import { sql } from 'kysely'
import { GENESIS_HASH } from '../domain/event-chain.ts'
import type { AuditEvent, EventActor, EventType, TargetType } from '../domain/events.ts'
import type { Executor } from './executor.ts'
import type { AuditEventsTable } from './tables.ts'

export interface ChainHead {
  seq: number
  hash: string
}

/** A recorded event before the chain gives it its seq and hash. */
export type UnchainedEvent = Omit<AuditEvent, 'seq' | 'hash'>

/** A queued event and its place in the queue. */
export type QueuedEvent = UnchainedEvent & { position: string }

/** Whether the organization has events waiting to be chained (one index probe). */
export async function hasQueuedEvents(db: Executor, organizationId: string): Promise<boolean> {
  const row = await db
    .selectFrom('audit_event_queue')
    .select('position')
    .where('organization_id', '=', organizationId)
    .limit(1)
    .executeTakeFirst()
  return row !== undefined
}

/** Organizations with queued events (at most `limit`), for the chainer's periodic pass. */
export async function organizationsWithQueuedEvents(db: Executor, limit: number): Promise<string[]> {
  const { rows } = await sql<{ organization_id: string }>`
    select distinct organization_id from audit_event_queue limit ${limit}`.execute(db)
  return rows.map((row) => row.organization_id)
}

/**
 * Locks the organization's chain head until the transaction ends, and reads the oldest `limit` of
 * its queued events. A head another transaction holds is waited for, or with `skipLocked` skipped
 * (undefined). An organization without a head but with queued events gets one (seq 0), locked by
 * its insertion; without either, undefined.
 */
export async function takeQueuedEvents(
  db: Executor,
  organizationId: string,
  options: { skipLocked: boolean; limit: number },
): Promise<{ head: ChainHead; events: QueuedEvent[] } | undefined> {
  const head = await lockChainHead(db, organizationId, options.skipLocked)
  if (!head) return undefined
  // A statement of its own, after the lock: its snapshot sees what the chainer this one waited
  // for has already moved (a statement that waited for the lock still reads its older snapshot).
  const { rows } = await sql<QueuedRow>`
    select * from audit_event_queue where organization_id = ${organizationId}::uuid
    order by position limit ${options.limit}`.execute(db)
  return { head, events: rows.map(eventOfQueuedRow) }
}

async function lockChainHead(
  db: Executor,
  organizationId: string,
  skipLocked: boolean,
): Promise<ChainHead | undefined> {
  for (let attempt = 0; attempt < 2; attempt++) {
    let query = db
      .selectFrom('audit_chain_heads')
      .select(['seq', 'hash'])
      .where('organization_id', '=', organizationId)
      .forUpdate()
    if (skipLocked) query = query.skipLocked()
    const row = await query.executeTakeFirst()
    if (row) return { seq: Number(row.seq), hash: row.hash }
    if (!(await hasQueuedEvents(db, organizationId))) return undefined
    const started = await db
      .insertInto('audit_chain_heads')
      .values({ organization_id: organizationId, seq: 0, hash: GENESIS_HASH })
      .onConflict((c) => c.column('organization_id').doNothing())
      .returning('organization_id')
      .executeTakeFirst()
    if (started) return { seq: 0, hash: GENESIS_HASH }
    // Someone else started it at the same time and holds it: skip it, or wait for it once more.
    if (skipLocked) return undefined
  }
  return undefined
}

/**
 * Moves queued events into the chain, each with the seq and hash the chainer computed, and moves
 * the head to the last of them, in one statement. `closedAt`: when the organization's deletion is
 * among them (its events are kept ORG_AUDIT_RETENTION_DAYS from then).
 */
export async function appendChained(
  db: Executor,
  organizationId: string,
  links: readonly { position: string; seq: number; hash: string }[],
  closedAt: Date | undefined,
): Promise<void> {
  const last = links.at(-1)
  if (!last) return
  const moved = await sql`
    with link as (
      select * from unnest(${links.map((l) => l.position)}::bigint[], ${links.map((l) => l.seq)}::bigint[],
        ${links.map((l) => l.hash)}::text[]) as link (position, seq, hash)
    ), dequeued as (
      delete from audit_event_queue queued using link
      where queued.position = link.position
      returning queued.*, link.seq, link.hash
    ), chained as (
      insert into audit_events (organization_id, seq, id, type, occurred_at, actor_type, actor_id, actor_name,
        target_type, target_id, data, request_id, hash)
      select organization_id, seq, id, type, occurred_at, actor_type, actor_id, actor_name, target_type,
        target_id, data, request_id, hash
      from dequeued
    )
    update audit_chain_heads
    set seq = ${last.seq}, hash = ${last.hash}, deleted_at = coalesce(deleted_at, ${closedAt ?? null}::timestamptz)
    where organization_id = ${organizationId}::uuid and (select count(*) from dequeued) = ${links.length}
    returning seq`.execute(db)
  // Only the head's holder dequeues, so this cannot happen; if it did, the chain would get a gap.
  if (moved.rows.length === 0)
    throw new Error(`the queued events of ${organizationId} changed while chaining`)
}

interface QueuedRow {
  position: string | number
  organization_id: string
  id: string
  type: string
  occurred_at: string
  actor_type: string
  actor_id: string | null
  actor_name: string
  target_type: string
  target_id: string
  data: unknown
  request_id: string | null
}

function eventOfQueuedRow(row: QueuedRow): QueuedEvent {
  return {
    position: String(row.position),
    id: row.id,
    organizationId: row.organization_id,
    type: row.type as EventType,
    occurredAt: new Date(row.occurred_at).toISOString(),
    actor: { type: row.actor_type, id: row.actor_id, name: row.actor_name } as EventActor,
    target: { type: row.target_type as TargetType, id: row.target_id },
    data: row.data,
    requestId: row.request_id,
  }
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
  // What was still queued for it goes too (its chainer may have died with its instance).
  await db.deleteFrom('audit_event_queue').where('organization_id', '=', head.organization_id).execute()
  await db.deleteFrom('audit_chain_heads').where('organization_id', '=', head.organization_id).execute()
  return 1
}
