// Frozen once shipped: a key's own lifetime, apart from when it stops working. `expires_at` is when
// a key stops verifying: its lifetime, or sooner, the end of a rotation's grace period.
// `issued_expires_at` is the lifetime it was issued with, which a rotation never shortens, so the
// key that replaces it inherits that lifetime and never a grace deadline. Keys issued before this
// migration get their current `expires_at`: for one already in a grace period that is the grace
// deadline (what it was issued with was not kept), which the next rotation then inherits as before.
import { type Kysely, sql } from 'kysely'

// biome-ignore lint/suspicious/noExplicitAny: migrations never import app types (STYLE rule 6)
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('api_keys').addColumn('issued_expires_at', 'timestamptz').execute()
  await sql`update api_keys set issued_expires_at = expires_at where expires_at is not null`.execute(db)
}
