// Frozen once shipped: trigram indexes so a member search by any part of a name or email does not
// read every member of a big organization (3.9 s at 1,000,000 members without them).
import { type Kysely, sql } from 'kysely'

// biome-ignore lint/suspicious/noExplicitAny: migrations never import app types (STYLE rule 6)
export async function up(db: Kysely<any>): Promise<void> {
  // Trusted since PostgreSQL 13: the database's owner may create it.
  await sql`create extension if not exists pg_trgm`.execute(db)
  await sql`create index users_name_trgm_idx on users using gin (lower(name) gin_trgm_ops)`.execute(db)
  await sql`create index users_email_trgm_idx on users using gin (lower(email) gin_trgm_ops)`.execute(db)
}
