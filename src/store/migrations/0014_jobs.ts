// Frozen once shipped: one outbox of jobs for everything sent outside a transaction (mail, webhook
// deliveries, provider calls), leased by one dispatcher (services/outbox/dispatcher.ts). The mail
// outbox's rows move in as jobs of kind `mail`; `mail_outbox` stays as a read-only view of them for
// operators and existing queries.
import { type Kysely, sql } from 'kysely'

// biome-ignore lint/suspicious/noExplicitAny: migrations never import app types (STYLE rule 6)
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('jobs')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('kind', 'text', (c) => c.notNull())
    // The tenant a job belongs to, and what it is about (a webhook, an organization's developer).
    // No foreign keys: a developer's deletion outlives its organization.
    .addColumn('organization_id', 'uuid')
    .addColumn('subject_id', 'uuid')
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('pending').check(sql`status in ('pending', 'succeeded', 'failed')`),
    )
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull())
    .addColumn('lease_until', 'timestamptz')
    .addColumn('last_status_code', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('delivered_via', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('completed_at', 'timestamptz')
    .execute()
  // The dispatcher only ever scans jobs still to do.
  await sql`create index jobs_due_idx on jobs (next_attempt_at) where status = 'pending'`.execute(db)
  // A webhook's deliveries, newest first; an organization's jobs when it goes.
  await sql`create index jobs_subject_idx on jobs (organization_id, subject_id, created_at, id) where organization_id is not null`.execute(
    db,
  )

  await sql`
    insert into jobs (id, kind, payload, status, attempts, next_attempt_at, lease_until, last_error,
                      delivered_via, created_at, completed_at)
    select id, 'mail',
           jsonb_strip_nulls(jsonb_build_object('to', recipient, 'subject', subject, 'text', text_body,
                                                'html', html_body, 'attachments', attachments)),
           case when sent_at is not null then 'succeeded' when failed_at is not null then 'failed' else 'pending' end,
           attempts, next_attempt_at, lease_until, last_error, delivered_via, created_at,
           coalesce(sent_at, failed_at)
    from mail_outbox`.execute(db)
  await db.schema.dropTable('mail_outbox').execute()
  await sql`
    create view mail_outbox as
    select id, payload->>'to' as recipient, payload->>'subject' as subject, payload->>'text' as text_body,
           payload->>'html' as html_body, created_at, attempts, next_attempt_at, lease_until,
           case when status = 'succeeded' then completed_at end as sent_at,
           case when status = 'failed' then completed_at end as failed_at,
           last_error, delivered_via, payload->'attachments' as attachments
    from jobs where kind = 'mail'`.execute(db)
}
