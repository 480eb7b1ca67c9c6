// Frozen once shipped: invitations by email, and inline attachments on outgoing mail (an
// organization's logo shown in its invitation without a public URL).
import { type Kysely, sql } from 'kysely'

// biome-ignore lint/suspicious/noExplicitAny: migrations never import app types (STYLE rule 6)
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('invitations')
    .addColumn('organization_id', 'uuid', (c) =>
      c.notNull().references('organizations.id').onDelete('cascade'),
    )
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(sql`gen_random_uuid()`))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('roles', sql`text[]`, (c) => c.notNull().check(sql`cardinality(roles) > 0`))
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('pending', 'accepted', 'declined', 'revoked', 'expired')`),
    )
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('invited_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('responded_at', 'timestamptz')
    .addPrimaryKeyConstraint('invitations_pkey', ['organization_id', 'id'])
    .execute()
  // At most one pending invitation per email and organization, whatever the races.
  await sql`create unique index invitations_pending_email_key on invitations (organization_id, lower(email)) where status = 'pending'`.execute(
    db,
  )
  await db.schema
    .createIndex('invitations_list_idx')
    .on('invitations')
    .columns(['organization_id', 'created_at', 'id'])
    .execute()
  // An invitee's pending invitations, across organizations.
  await sql`create index invitations_invitee_idx on invitations (lower(email)) where status = 'pending'`.execute(
    db,
  )

  await db.schema.alterTable('mail_outbox').addColumn('attachments', 'jsonb').execute()
}
