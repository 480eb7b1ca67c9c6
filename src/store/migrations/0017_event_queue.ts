// Frozen once shipped: events are queued by the writing transaction and chained afterwards.
// Taking the next seq in the writing transaction (0013) held the organization's chain head from
// the event until the commit had reached the disk, so one organization's writes committed one at a
// time (measured: 284 ms mean wait per invitation at 50 connections). A writing transaction now
// appends its events to audit_event_queue, which nobody locks; a chainer (services/events/
// audit-chain.ts) moves an organization's queued events into audit_events in batches under the
// head's lock, giving them seq and hash, and every reader of the log chains what is queued first.
import { type Kysely, sql } from 'kysely'

// biome-ignore lint/suspicious/noExplicitAny: migrations never import app types (STYLE rule 6)
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('audit_event_queue')
    // The order in which the events were queued: within one transaction, the order they were recorded in.
    .addColumn('position', 'bigint', (c) => c.generatedAlwaysAsIdentity().primaryKey())
    .addColumn('organization_id', 'uuid', (c) => c.notNull())
    .addColumn('id', 'uuid', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('occurred_at', 'timestamptz', (c) => c.notNull())
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'uuid')
    .addColumn('actor_name', 'text', (c) => c.notNull())
    .addColumn('target_type', 'text', (c) => c.notNull())
    .addColumn('target_id', 'text', (c) => c.notNull())
    .addColumn('data', 'jsonb', (c) => c.notNull())
    .addColumn('request_id', 'text')
    .execute()
  await sql`create index audit_event_queue_organization_idx on audit_event_queue (organization_id, position)`.execute(
    db,
  )
}
