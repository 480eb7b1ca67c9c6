// Frozen once shipped: the audit log as a hash chain per organization (API.md, "Events and the
// audit log"). Events get `seq` from 1 per organization with no gaps and the chain's hash; the
// chain's head (last seq and hash) is kept apart in audit_chain_heads, so deleting or editing the
// newest event is detected too. The head also remembers when its organization was deleted: the
// events outlive it for ORG_AUDIT_RETENTION_DAYS.
//
// The rows written before this migration (free-form actions, global sequence, no hashes) are kept
// as they were in legacy_audit_events, outside any chain.
import { type Kysely, sql } from 'kysely'

// biome-ignore lint/suspicious/noExplicitAny: migrations never import app types (STYLE rule 6)
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table audit_events rename to legacy_audit_events`.execute(db)
  await sql`alter table legacy_audit_events rename constraint audit_events_pkey to legacy_audit_events_pkey`.execute(
    db,
  )

  await db.schema
    .createTable('audit_events')
    .addColumn('organization_id', 'uuid', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
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
    .addColumn('hash', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('audit_events_pkey', ['organization_id', 'seq'])
    .execute()
  // The list's filters, each in seq order within one organization.
  for (const column of ['actor_id', 'target_id', 'type'] as const) {
    await db.schema
      .createIndex(`audit_events_${column}_idx`)
      .on('audit_events')
      .columns(['organization_id', column, 'seq'])
      .execute()
  }
  await db.schema
    .createIndex('audit_events_occurred_at_idx')
    .on('audit_events')
    .columns(['organization_id', 'occurred_at'])
    .execute()

  await db.schema
    .createTable('audit_chain_heads')
    .addColumn('organization_id', 'uuid', (c) => c.primaryKey())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('deleted_at', 'timestamptz')
    .execute()
  await db.schema
    .createIndex('audit_chain_heads_deleted_at_idx')
    .on('audit_chain_heads')
    .column('deleted_at')
    .where(sql.ref('deleted_at'), 'is not', null)
    .execute()
  // Every organization that exists starts an empty chain.
  await sql`insert into audit_chain_heads (organization_id, seq, hash)
    select id, 0, repeat('0', 64) from organizations`.execute(db)
}
