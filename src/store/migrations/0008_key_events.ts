// Frozen once shipped: changes to what a key verification answers announce themselves from the
// database, as changes to who may act do (migration 0006), so the key cache
// (services/credentials/key-verifier.ts) needs no invalidation call in any service either. The
// key is `keys:<organization id>`: a key revoked, re-dated or deleted (also by its application's,
// its organization's deletion), a subscription made or ended, an environment renamed or deleted.
// A key's `last_used_at`, written once a minute in batches, changes no answer and announces
// nothing. The announcement itself moves into one function both trigger functions call.
import { type Kysely, sql } from 'kysely'

// biome-ignore lint/suspicious/noExplicitAny: migrations never import app types (STYLE rule 6)
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function portico_announce(keys text[]) returns void language plpgsql as $$
    declare
      key text;
      noted text;
    begin
      if keys is null then
        return;
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
    end
    $$`.execute(db)

  await sql`
    create or replace function portico_access_changed() returns trigger language plpgsql as $$
    declare
      keys text[];
    begin
      -- TG_ARGV: the key's prefix and the column that names it; "changed" is the transition table.
      execute format(
        'select array_agg(k) from (select distinct %L || %I::text as k from changed limit 101) named',
        TG_ARGV[0], TG_ARGV[1]) into keys;
      perform portico_announce(keys);
      return null;
    end
    $$`.execute(db)

  await sql`
    create function portico_key_facts_changed() returns trigger language plpgsql as $$
    declare
      keys text[];
    begin
      select array_agg(k) into keys from (
        select distinct 'keys:' || new_key.organization_id::text as k
        from changed new_key
        join previous old_key on old_key.organization_id = new_key.organization_id and old_key.id = new_key.id
        where (new_key.revoked_at, new_key.expires_at, new_key.environment_id, new_key.application_id, new_key.key_hash)
          is distinct from
          (old_key.revoked_at, old_key.expires_at, old_key.environment_id, old_key.application_id, old_key.key_hash)
        limit 101) named;
      perform portico_announce(keys);
      return null;
    end
    $$`.execute(db)

  await sql`
    create trigger api_keys_update_keys after update on api_keys
      referencing old table as previous new table as changed
      for each statement execute function portico_key_facts_changed()`.execute(db)

  const triggers: [table: string, event: 'insert' | 'update' | 'delete'][] = [
    ['api_keys', 'delete'],
    ['subscriptions', 'insert'],
    ['subscriptions', 'update'],
    ['subscriptions', 'delete'],
    ['environments', 'update'],
    ['environments', 'delete'],
  ]
  for (const [table, event] of triggers) {
    const transition = event === 'delete' ? 'old' : 'new'
    await sql`
      create trigger ${sql.raw(`${table}_${event}_keys`)}
        after ${sql.raw(event)} on ${sql.table(table)}
        referencing ${sql.raw(transition)} table as changed
        for each statement execute function portico_access_changed('keys:', 'organization_id')`.execute(db)
  }
}
