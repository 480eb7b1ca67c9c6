// Frozen once shipped: what a person needs to see and end their sessions, and to stay able to sign
// in while someone guesses their password. A session records the User-Agent that opened it (shown
// in the session list); its sign-in time (`created_at`) bounds its life, however active. A known
// device is a browser or client that once proved the password (sign-up or sign-in): its cookie
// holds a random token whose SHA-256 is kept here, and its failed sign-ins are counted on their own,
// so guesses from elsewhere cannot lock it out.
import { type Kysely, sql } from 'kysely'

// biome-ignore lint/suspicious/noExplicitAny: migrations never import app types (STYLE rule 6)
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sessions').addColumn('user_agent', 'text').execute()

  await db.schema
    .createTable('known_devices')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('known_devices_user_id_idx').on('known_devices').column('user_id').execute()
}
