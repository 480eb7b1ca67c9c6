// Frozen once shipped: the access announcements' trigger functions keep their statements' plans.
// Portico's connections plan every statement with its values (plan_cache_mode =
// force_custom_plan, store/prepared-statements.ts), and that setting reached every statement in
// these PL/pgSQL functions that names one of their variables: each firing planned them all again
// (five plans for one announcement), once per statement that fires a trigger. Their statements
// read transition tables, arrays and settings, never a table whose size a plan could misjudge, so
// one plan each per connection serves every firing. (The functions' statements that name no
// variable, as in portico_tally_invitations, were planned once already.)
import { type Kysely, sql } from 'kysely'

const FUNCTIONS = ['portico_access_changed()', 'portico_announce(text[])', 'portico_key_facts_changed()']

// biome-ignore lint/suspicious/noExplicitAny: migrations never import app types (STYLE rule 6)
export async function up(db: Kysely<any>): Promise<void> {
  for (const signature of FUNCTIONS) {
    await sql`alter function ${sql.raw(signature)} set plan_cache_mode = force_generic_plan`.execute(db)
  }
}
