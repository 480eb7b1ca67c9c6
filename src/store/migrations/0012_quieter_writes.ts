// Frozen once shipped. Less work and no waiting in the triggers every write fires:
// - `portico_access_changed` (migrations 0006, 0008) named its column by dynamic SQL (EXECUTE
//   format(...)), parsed and planned again by every statement that fired it; it now runs one of
//   three static queries (planned once per connection and table), chosen by the column the
//   trigger names.
// - `portico_announce` (0012_announcements_and_tallies) writes a row only for keys this
//   transaction has not announced yet (creating an organization touches the creator's membership,
//   session and user: one row, not three).
// - Invitation tallies (0012_announcements_and_tallies) were spread over pid % 64: two of a pool's
//   connections often shared a row, and then waited for each other's commit. The shard is now the
//   backend's pid itself (a backend runs one transaction at a time, so concurrent inviters never
//   share a row); services/invitations folds an organization's rows into one when they pile up.
import { type Kysely, sql } from 'kysely'

// biome-ignore lint/suspicious/noExplicitAny: migrations never import app types (STYLE rule 6)
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create or replace function portico_announce(keys text[]) returns void language plpgsql as $$
    declare
      noted text;
      fresh text[];
    begin
      if keys is null then
        return;
      end if;
      if cardinality(keys) > 100 then
        keys := array['*'];
      end if;
      noted := coalesce(current_setting('portico.access_changes', true), '');
      select array_agg(k) into fresh from unnest(keys) k where position(' ' || k || ' ' in noted || ' ') = 0;
      if fresh is null then
        return;
      end if;
      insert into access_announcements (key) select unnest(fresh);
      if length(noted) > 8000 then
        noted := ' *';
      end if;
      perform set_config('portico.access_changes', noted || ' ' || array_to_string(fresh, ' '), true);
    end
    $$`.execute(db)

  await sql`
    create or replace function portico_access_changed() returns trigger language plpgsql as $$
    declare
      keys text[];
    begin
      -- TG_ARGV: the key's prefix and the column that names it; "changed" is the transition table.
      if TG_ARGV[1] = 'user_id' then
        select array_agg(k) into keys from (
          select distinct TG_ARGV[0] || user_id::text as k from changed limit 101) named;
      elsif TG_ARGV[1] = 'organization_id' then
        select array_agg(k) into keys from (
          select distinct TG_ARGV[0] || organization_id::text as k from changed limit 101) named;
      else
        select array_agg(k) into keys from (
          select distinct TG_ARGV[0] || id::text as k from changed limit 101) named;
      end if;
      perform portico_announce(keys);
      return null;
    end
    $$`.execute(db)

  await sql`alter table invitation_tallies alter column shard type integer`.execute(db)
  await sql`
    create or replace function portico_tally_invitations() returns trigger language plpgsql as $$
    begin
      if TG_ARGV[0] = 'new' then
        insert into invitation_tallies (organization_id, shard, pending)
        select organization_id, pg_backend_pid(), count(*) from added where status = 'pending'
        group by organization_id
        on conflict (organization_id, shard) do update set pending = invitation_tallies.pending + excluded.pending;
      elsif TG_ARGV[0] = 'old' then
        insert into invitation_tallies (organization_id, shard, pending)
        select organization_id, pg_backend_pid(), -count(*) from removed where status = 'pending'
          and exists (select 1 from organizations where id = removed.organization_id)
        group by organization_id
        on conflict (organization_id, shard) do update set pending = invitation_tallies.pending + excluded.pending;
      else
        insert into invitation_tallies (organization_id, shard, pending)
        select organization_id, pg_backend_pid(), sum(delta) from (
          select organization_id, 1 as delta from added where status = 'pending'
          union all
          select organization_id, -1 from removed where status = 'pending') changes
        group by organization_id
        having sum(delta) <> 0
        on conflict (organization_id, shard) do update set pending = invitation_tallies.pending + excluded.pending;
      end if;
      return null;
    end
    $$`.execute(db)
}
