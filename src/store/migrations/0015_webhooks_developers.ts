// Frozen once shipped: an organization's webhook endpoints, and its developer identity in the
// provider portal (API.md "Webhooks", "The developer identity"). Deliveries are jobs (0014).
import { type Kysely, sql } from 'kysely'

// biome-ignore lint/suspicious/noExplicitAny: migrations never import app types (STYLE rule 6)
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('webhooks')
    .addColumn('organization_id', 'uuid', (c) =>
      c.notNull().references('organizations.id').onDelete('cascade'),
    )
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(sql`gen_random_uuid()`))
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('events', sql`text[]`, (c) => c.notNull().check(sql`cardinality(events) > 0`))
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    // Kept as given: it must sign every delivery, so it cannot be stored as a hash.
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('disabled_reason', 'text')
    // Set by the first failed attempt after a success (or ever); cleared by a success.
    .addColumn('failing_since', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('webhooks_pkey', ['organization_id', 'id'])
    .execute()
  await db.schema.createIndex('webhooks_id_key').on('webhooks').column('id').unique().execute()

  await db.schema
    .createTable('developers')
    .addColumn('organization_id', 'uuid', (c) =>
      c.primaryKey().references('organizations.id').onDelete('cascade'),
    )
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('pending', 'active', 'failed')`))
    .addColumn('last_error', 'text')
    .addColumn('synced_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .execute()
  // Organizations made before developer identities existed had Portico as their provider.
  await sql`
    insert into developers (organization_id, provider, state, synced_at, created_at)
    select id, 'portico', 'active', created_at, created_at from organizations`.execute(db)
}
