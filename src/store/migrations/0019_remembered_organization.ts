// Frozen once shipped: a user's remembered organization (users.last_active_organization_id, the
// one a new session starts in) is a hint read through the user's memberships
// (sessions.repository findRememberedOrganization), never on its own, so it needs no foreign key:
// an id left behind by a deleted organization finds no membership and is not used. Without the
// key and its index, writing it (on every acceptance into a first organization, every creation,
// every switch) checks no organization and, with room left on the page (fillfactor 90), updates
// the row in place: none of the user's four indexes, the trigram index of member search among
// them, gets a new entry. A CPU profile of PostgreSQL under concurrent acceptances put those
// index entries and the check at about a tenth of the acceptance group's time.
import { type Kysely, sql } from 'kysely'

// biome-ignore lint/suspicious/noExplicitAny: migrations never import app types (STYLE rule 6)
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table users drop constraint users_last_active_organization_id_fkey`.execute(db)
  await sql`drop index users_last_active_organization_idx`.execute(db)
  await sql`alter table users set (fillfactor = 90)`.execute(db)
}
