// Frozen once shipped: developer-portal resources. Every table leads its primary key with
// organization_id, and references within an organization go through (organization_id, id), so a
// row can never point into another organization. The one global index is api_keys.key_hash: a
// gateway verifying a key does not know its organization.
import { type Kysely, sql } from 'kysely'

// biome-ignore lint/suspicious/noExplicitAny: migrations never import app types (STYLE rule 6)
export async function up(db: Kysely<any>): Promise<void> {
  const tenantTable = (name: string) =>
    db.schema
      .createTable(name)
      .addColumn('organization_id', 'uuid', (c) =>
        c.notNull().references('organizations.id').onDelete('cascade'),
      )
      .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(sql`gen_random_uuid()`))
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())

  await tenantTable('apis')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('base_path', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('draft', 'published', 'deprecated')`),
    )
    .addColumn('created_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addPrimaryKeyConstraint('apis_pkey', ['organization_id', 'id'])
    .addUniqueConstraint('apis_name_version_key', ['organization_id', 'name', 'version'])
    .addUniqueConstraint('apis_base_path_version_key', ['organization_id', 'base_path', 'version'])
    .execute()

  await tenantTable('environments')
    .addColumn('name', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('environments_pkey', ['organization_id', 'id'])
    .addUniqueConstraint('environments_name_key', ['organization_id', 'name'])
    .execute()

  await tenantTable('applications')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addPrimaryKeyConstraint('applications_pkey', ['organization_id', 'id'])
    .addUniqueConstraint('applications_name_key', ['organization_id', 'name'])
    .execute()

  await tenantTable('subscriptions')
    .addColumn('application_id', 'uuid', (c) => c.notNull())
    .addColumn('api_id', 'uuid', (c) => c.notNull())
    .addPrimaryKeyConstraint('subscriptions_pkey', ['organization_id', 'id'])
    .addUniqueConstraint('subscriptions_application_api_key', ['organization_id', 'application_id', 'api_id'])
    .addForeignKeyConstraint(
      'subscriptions_application_fkey',
      ['organization_id', 'application_id'],
      'applications',
      ['organization_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .addForeignKeyConstraint(
      'subscriptions_api_fkey',
      ['organization_id', 'api_id'],
      'apis',
      ['organization_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute()
  await db.schema
    .createIndex('subscriptions_api_idx')
    .on('subscriptions')
    .columns(['organization_id', 'api_id'])
    .execute()

  await tenantTable('api_keys')
    .addColumn('application_id', 'uuid', (c) => c.notNull())
    .addColumn('environment_id', 'uuid', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('last4', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('last_used_at', 'timestamptz')
    .addColumn('expires_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .addPrimaryKeyConstraint('api_keys_pkey', ['organization_id', 'id'])
    .addForeignKeyConstraint(
      'api_keys_application_fkey',
      ['organization_id', 'application_id'],
      'applications',
      ['organization_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    // An environment with keys cannot be deleted (the service says so first, the database too).
    .addForeignKeyConstraint(
      'api_keys_environment_fkey',
      ['organization_id', 'environment_id'],
      'environments',
      ['organization_id', 'id'],
      (fk) => fk.onDelete('restrict'),
    )
    .execute()
  await db.schema
    .createIndex('api_keys_application_idx')
    .on('api_keys')
    .columns(['organization_id', 'application_id', 'created_at'])
    .execute()
  await db.schema
    .createIndex('api_keys_environment_idx')
    .on('api_keys')
    .columns(['organization_id', 'environment_id'])
    .execute()

  // Environments every existing organization starts with.
  await sql`insert into environments (organization_id, name, created_at)
    select o.id, e.name, o.created_at from organizations o cross join (values ('development'), ('production')) as e(name)
    on conflict do nothing`.execute(db)
}
