// Frozen once shipped: organizations, their members, logos and audit events, and the active
// organization remembered per session and per user.
import { type Kysely, sql } from 'kysely'

// biome-ignore lint/suspicious/noExplicitAny: migrations never import app types (STYLE rule 6)
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('organizations')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('handle', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('logo_etag', 'text')
    .addColumn('created_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute()
  await db.schema
    .createIndex('organizations_created_by_idx')
    .on('organizations')
    .column('created_by')
    .execute()

  // Roles are a text[] (never a comma-joined string), never empty.
  await db.schema
    .createTable('memberships')
    .addColumn('organization_id', 'uuid', (c) =>
      c.notNull().references('organizations.id').onDelete('cascade'),
    )
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('roles', sql`text[]`, (c) => c.notNull().check(sql`cardinality(roles) > 0`))
    .addColumn('joined_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('memberships_pkey', ['organization_id', 'user_id'])
    .execute()
  // Keyset pagination of a member list walks (joined_at, user_id) within one organization.
  await db.schema
    .createIndex('memberships_list_idx')
    .on('memberships')
    .columns(['organization_id', 'joined_at', 'user_id'])
    .execute()
  await db.schema
    .createIndex('memberships_user_idx')
    .on('memberships')
    .columns(['user_id', 'joined_at'])
    .execute()

  await db.schema
    .createTable('organization_logos')
    .addColumn('organization_id', 'uuid', (c) =>
      c.primaryKey().references('organizations.id').onDelete('cascade'),
    )
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('bytes', 'bytea', (c) => c.notNull())
    .addColumn('etag', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute()

  // Audit events outlive their organization (its deletion is an event too): no foreign key.
  await db.schema
    .createTable('audit_events')
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(sql`gen_random_uuid()`))
    // Orders events written in the same instant (one transaction can write several).
    .addColumn('seq', 'bigint', (c) => c.notNull().generatedByDefaultAsIdentity())
    .addColumn('organization_id', 'uuid', (c) => c.notNull())
    .addColumn('actor_user_id', 'uuid')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target_type', 'text', (c) => c.notNull())
    .addColumn('target_id', 'text')
    .addColumn('before', 'jsonb')
    .addColumn('after', 'jsonb')
    .addColumn('request_id', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('audit_events_pkey', ['organization_id', 'seq'])
    .execute()

  await db.schema
    .alterTable('sessions')
    .addColumn('active_organization_id', 'uuid', (c) => c.references('organizations.id').onDelete('set null'))
    .execute()
  await db.schema
    .alterTable('users')
    .addColumn('last_active_organization_id', 'uuid', (c) =>
      c.references('organizations.id').onDelete('set null'),
    )
    .execute()
  await db.schema
    .createIndex('sessions_active_organization_idx')
    .on('sessions')
    .column('active_organization_id')
    .execute()
  await db.schema
    .createIndex('users_last_active_organization_idx')
    .on('users')
    .column('last_active_organization_id')
    .execute()
}
