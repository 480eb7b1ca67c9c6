// Frozen once shipped: every change to who may act (a session, a user, a membership, an
// organization) announces itself from the database, so no write path can forget to invalidate the
// session cache (services/identity/session-cache.ts). Statement-level triggers name what changed
// as `user:<id>` or `organization:<id>` keys: by NOTIFY on `portico_access` (delivered to every
// instance when the transaction commits) and in the transaction-local setting
// `portico.access_changes` (read by the transaction helper just before commit, so the instance
// that made the change drops its entries before it answers). A statement touching more than 100
// keys announces `*` (everything), so bulk loads stay cheap.
import { type Kysely, sql } from 'kysely'

// biome-ignore lint/suspicious/noExplicitAny: migrations never import app types (STYLE rule 6)
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function portico_access_changed() returns trigger language plpgsql as $$
    declare
      keys text[];
      key text;
      noted text;
    begin
      -- TG_ARGV: the key's prefix and the column that names it; "changed" is the transition table.
      execute format(
        'select array_agg(k) from (select distinct %L || %I::text as k from changed limit 101) named',
        TG_ARGV[0], TG_ARGV[1]) into keys;
      if keys is null then
        return null;
      end if;
      if cardinality(keys) > 100 then
        keys := array['*'];
      end if;
      foreach key in array keys loop
        perform pg_notify('portico_access', key);
      end loop;
      noted := coalesce(current_setting('portico.access_changes', true), '');
      if length(noted) > 8000 then
        noted := '*';
      end if;
      perform set_config('portico.access_changes', noted || ' ' || array_to_string(keys, ' '), true);
      return null;
    end
    $$`.execute(db)

  const triggers: [table: string, event: 'insert' | 'update' | 'delete', prefix: string, column: string][] = [
    ['users', 'update', 'user:', 'id'],
    ['users', 'delete', 'user:', 'id'],
    ['sessions', 'update', 'user:', 'user_id'],
    ['sessions', 'delete', 'user:', 'user_id'],
    // A new membership ends a cached "not a member" answer, which is kept per user.
    ['memberships', 'insert', 'user:', 'user_id'],
    ['memberships', 'update', 'organization:', 'organization_id'],
    ['memberships', 'delete', 'organization:', 'organization_id'],
    ['organizations', 'update', 'organization:', 'id'],
    ['organizations', 'delete', 'organization:', 'id'],
  ]
  for (const [table, event, prefix, column] of triggers) {
    const transition = event === 'delete' ? 'old' : 'new'
    await sql`
      create trigger ${sql.raw(`${table}_${event}_access`)}
        after ${sql.raw(event)} on ${sql.table(table)}
        referencing ${sql.raw(transition)} table as changed
        for each statement execute function portico_access_changed(${sql.lit(prefix)}, ${sql.lit(column)})`.execute(
      db,
    )
  }
}
