// What a change records besides its own rows, written by one statement just before it commits
// (services/transaction.ts): its events — queued for the chainer, or chained already when they
// open a new organization's chain — with the webhook deliveries they cause, and the jobs it queued
// (mail, provider calls). The same statement returns which access the transaction's writes
// announced, so a change needs no statement of its own for that.
import { sql } from 'kysely'
import type { AuditEvent } from '../domain/events.ts'
import { type Announced, accessChangesOf, announcedInTransaction, transactionId } from './access-changes.ts'
import type { UnchainedEvent } from './audit.repository.ts'
import type { Executor } from './executor.ts'
import type { NewJob } from './jobs.repository.ts'
import { CLOSING_STATEMENT } from './pipelined-transactions.ts'
import { WEBHOOK_JOB } from './webhooks.repository.ts'

/**
 * Writes, in one statement: `queued` events into the queue in the order given; `started` events
 * (the first of new organizations, chained from the genesis hash) into the chain with their heads;
 * for each event one webhook delivery per enabled endpoint of its organization whose filters take
 * its type (domain/webhooks.ts filterMatches: the type itself, or a prefix ending in `*`); and `jobs`. Returns the number of deliveries and the access changes announced.
 */
export async function writeChangeRecords(
  db: Executor,
  records: { queued: readonly UnchainedEvent[]; started: readonly AuditEvent[]; jobs: readonly NewJob[] },
  now: Date,
): Promise<{ deliveries: number } & Announced> {
  const events = [...records.queued, ...records.started].map((event, order) => ({
    order,
    organization_id: event.organizationId,
    id: event.id,
    type: event.type,
    occurred_at: event.occurredAt,
    actor_type: event.actor.type,
    actor_id: event.actor.id,
    actor_name: event.actor.name,
    target_type: event.target.type,
    target_id: event.target.id,
    data: event.data,
    request_id: event.requestId,
    seq: 'seq' in event ? event.seq : null,
    hash: 'hash' in event ? event.hash : null,
  }))
  const jobs = records.jobs.map((job) => ({
    kind: job.kind,
    organization_id: job.organizationId ?? null,
    subject_id: job.subjectId ?? null,
    payload: job.payload,
    next_attempt_at: (job.dueAt ?? now).toISOString(),
  }))
  const { rows } = await sql<{
    deliveries: string | number
    announced: string | null
    xact: string | null
  }>`${sql.raw(CLOSING_STATEMENT)}
    with recorded as (
      select * from jsonb_to_recordset(${JSON.stringify(events)}::jsonb) as e ("order" int, organization_id uuid,
        id uuid, type text, occurred_at text, actor_type text, actor_id uuid, actor_name text, target_type text,
        target_id text, data jsonb, request_id text, seq bigint, hash text)
    ), queued as (
      insert into audit_event_queue (organization_id, id, type, occurred_at, actor_type, actor_id, actor_name,
        target_type, target_id, data, request_id)
      select organization_id, id, type, occurred_at::timestamptz, actor_type, actor_id, actor_name, target_type,
        target_id, data, request_id
      from recorded where seq is null order by "order"
    ), chained as (
      insert into audit_events (organization_id, seq, id, type, occurred_at, actor_type, actor_id, actor_name,
        target_type, target_id, data, request_id, hash)
      select organization_id, seq, id, type, occurred_at::timestamptz, actor_type, actor_id, actor_name,
        target_type, target_id, data, request_id, hash
      from recorded where seq is not null
    ), heads as (
      insert into audit_chain_heads (organization_id, seq, hash)
      select distinct on (organization_id) organization_id, seq, hash
      from recorded where seq is not null order by organization_id, seq desc
    ), queued_jobs as (
      insert into jobs (kind, organization_id, subject_id, payload, next_attempt_at, created_at)
      select kind, organization_id, subject_id, payload, next_attempt_at::timestamptz, ${now}
      from jsonb_to_recordset(${JSON.stringify(jobs)}::jsonb) as j (kind text, organization_id uuid,
        subject_id uuid, payload jsonb, next_attempt_at text)
    ), deliveries as (
      insert into jobs (kind, organization_id, subject_id, payload, next_attempt_at, created_at)
      select ${WEBHOOK_JOB}, w.organization_id, w.id,
        jsonb_build_object('id', e.id, 'type', e.type, 'timestamp', e.occurred_at,
          'organizationId', e.organization_id, 'data', e.data),
        ${now}, ${now}
      from recorded e join webhooks w on w.organization_id = e.organization_id and w.enabled
      where exists (
        select 1 from unnest(w.events) as filter
        where filter = e.type or (right(filter, 1) = '*' and starts_with(e.type, left(filter, -1))))
      order by e."order"
      returning 1
    )
    select count(*) as deliveries, ${announcedInTransaction} as announced, ${transactionId} as xact
    from deliveries`.execute(db)
  return {
    deliveries: Number(rows[0]?.deliveries ?? 0),
    accessChanges: accessChangesOf(rows[0]?.announced),
    xact: rows[0]?.xact ?? undefined,
  }
}
