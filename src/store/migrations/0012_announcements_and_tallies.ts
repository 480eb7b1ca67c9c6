// Frozen once shipped. Two changes that take serialization out of the write paths:
//
// 1. Announcements (migrations 0006 and 0008) are rows, not NOTIFYs. `pg_notify` takes a
//    cluster-wide lock at commit and holds it through the commit's WAL flush, so every
//    transaction that announced something committed alone, one flush after another. Now the
//    announcing function inserts one row per key into `access_announcements` (in the writing
//    transaction: the row commits, or rolls back, with the change) and every instance reads new
//    rows a few times a second (store/announcements.ts). Rows are ordered by the id of the
//    transaction that wrote them (`xact`): a reader takes everything at or above the oldest
//    transaction still running when it last read, so a row that commits late is not skipped. It
//    needs no session state (no LISTEN), so it works through a pooler in transaction mode. The
//    transaction-local setting `portico.access_changes` stays as it was.
//
// 2. Pending invitations are tallied per organization in `invitation_tallies`, so inviting need
//    not count them (nor lock the organization to count them). A statement trigger adds the net
//    change of rows whose stored status is `pending` to one of 64 rows per organization, chosen by
//    the backend's pid: concurrent inviters (each on its own connection) add to different rows and
//    do not wait for each other's commit. The sum is an upper bound of the pending invitations (it
//    still counts those whose time has passed); services/invitations decides with it.
import { type Kysely, sql } from 'kysely'

// biome-ignore lint/suspicious/noExplicitAny: migrations never import app types (STYLE rule 6)
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table access_announcements (
      id bigint generated always as identity primary key,
      xact xid8 not null default pg_current_xact_id(),
      key text not null,
      at timestamptz not null default now()
    )`.execute(db)
  await sql`create index access_announcements_xact_idx on access_announcements (xact)`.execute(db)
  await sql`create index access_announcements_at_idx on access_announcements (at)`.execute(db)

  await sql`
    create or replace function portico_announce(keys text[]) returns void language plpgsql as $$
    declare
      noted text;
    begin
      if keys is null then
        return;
      end if;
      if cardinality(keys) > 100 then
        keys := array['*'];
      end if;
      insert into access_announcements (key) select unnest(keys);
      noted := coalesce(current_setting('portico.access_changes', true), '');
      if length(noted) > 8000 then
        noted := '*';
      end if;
      perform set_config('portico.access_changes', noted || ' ' || array_to_string(keys, ' '), true);
    end
    $$`.execute(db)

  await sql`
    create table invitation_tallies (
      organization_id uuid not null references organizations (id) on delete cascade,
      shard smallint not null,
      pending integer not null,
      primary key (organization_id, shard)
    )`.execute(db)
  await sql`
    insert into invitation_tallies (organization_id, shard, pending)
    select organization_id, 0, count(*) from invitations where status = 'pending' group by organization_id`.execute(
    db,
  )

  // TG_ARGV[0]: which transition tables the event has ('new', 'old' or 'both').
  await sql`
    create function portico_tally_invitations() returns trigger language plpgsql as $$
    begin
      if TG_ARGV[0] = 'new' then
        insert into invitation_tallies (organization_id, shard, pending)
        select organization_id, pg_backend_pid() % 64, count(*) from added where status = 'pending'
        group by organization_id
        on conflict (organization_id, shard) do update set pending = invitation_tallies.pending + excluded.pending;
      elsif TG_ARGV[0] = 'old' then
        insert into invitation_tallies (organization_id, shard, pending)
        select organization_id, pg_backend_pid() % 64, -count(*) from removed where status = 'pending'
          and exists (select 1 from organizations where id = removed.organization_id)
        group by organization_id
        on conflict (organization_id, shard) do update set pending = invitation_tallies.pending + excluded.pending;
      else
        insert into invitation_tallies (organization_id, shard, pending)
        select organization_id, pg_backend_pid() % 64, sum(delta) from (
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
  await sql`
    create trigger invitations_insert_tally after insert on invitations
      referencing new table as added
      for each statement execute function portico_tally_invitations('new')`.execute(db)
  await sql`
    create trigger invitations_update_tally after update on invitations
      referencing old table as removed new table as added
      for each statement execute function portico_tally_invitations('both')`.execute(db)
  await sql`
    create trigger invitations_delete_tally after delete on invitations
      referencing old table as removed
      for each statement execute function portico_tally_invitations('old')`.execute(db)
}
