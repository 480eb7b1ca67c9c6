// Frozen once shipped: plans with rate limits, the shared counters that enforce them on every
// instance, and usage counts per application (API.md "Plans, rate limits and usage").
// - `plans`: an API's plans; every API has `default` (rows for existing APIs are made here, a
//   trigger makes it for every new API, however inserted). A subscription names its plan (foreign
//   key); a plan in use cannot be deleted.
// - What the gateway's answer depends on announces itself like keys do (migration 0008): a change
//   to an API (published, deprecated, re-pathed, deleted) or to a plan announces `keys:<org>`, so
//   the key cache and the path → API index (services/credentials/key-verifier.ts) forget it.
// - `plan_counters`: requests let through per application, API and window (UTC minute, UTC day),
//   added to by each instance at least every second. No foreign keys: a batch from an instance
//   must not fail because an application was deleted meanwhile; old windows are swept.
// - `usage_hourly` / `usage_daily`: calls per application, API (null when refused before one was
//   chosen), key, hour or day and outcome; hourly rows older than 90 days are rolled into daily
//   ones. No foreign keys, for the same reason; rows of deleted applications are swept.
import { type Kysely, sql } from 'kysely'

// biome-ignore lint/suspicious/noExplicitAny: migrations never import app types (STYLE rule 6)
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table plans (
      organization_id uuid not null,
      api_id uuid not null,
      name text not null,
      title text not null,
      requests_per_minute integer check (requests_per_minute > 0),
      requests_per_day integer check (requests_per_day > 0),
      position integer not null default 0,
      primary key (organization_id, api_id, name),
      foreign key (organization_id, api_id) references apis (organization_id, id) on delete cascade
    )`.execute(db)
  await sql`
    insert into plans (organization_id, api_id, name, title)
    select organization_id, id, 'default', 'Default' from apis`.execute(db)

  await sql`
    create function portico_default_plan() returns trigger language plpgsql as $$
    begin
      insert into plans (organization_id, api_id, name, title)
      select organization_id, id, 'default', 'Default' from inserted
      on conflict do nothing;
      return null;
    end
    $$`.execute(db)
  await sql`
    create trigger apis_insert_default_plan after insert on apis
      referencing new table as inserted
      for each statement execute function portico_default_plan()`.execute(db)

  await sql`alter table subscriptions add column plan text not null default 'default'`.execute(db)
  // No action (not restrict): deleting an API deletes its plans and subscriptions in one statement.
  await sql`
    alter table subscriptions add constraint subscriptions_plan_fkey
      foreign key (organization_id, api_id, plan) references plans (organization_id, api_id, name)`.execute(
    db,
  )

  const triggers: [table: string, event: 'insert' | 'update' | 'delete'][] = [
    ['apis', 'insert'],
    ['apis', 'update'],
    ['apis', 'delete'],
    ['plans', 'insert'],
    ['plans', 'update'],
    ['plans', 'delete'],
  ]
  for (const [table, event] of triggers) {
    const transition = event === 'delete' ? 'old' : 'new'
    await sql`
      create trigger ${sql.raw(`${table}_${event}_keys`)}
        after ${sql.raw(event)} on ${sql.table(table)}
        referencing ${sql.raw(transition)} table as changed
        for each statement execute function portico_access_changed('keys:', 'organization_id')`.execute(db)
  }

  await sql`
    create table plan_counters (
      organization_id uuid not null,
      application_id uuid not null,
      api_id uuid not null,
      window_kind text not null check (window_kind in ('minute', 'day')),
      window_start timestamptz not null,
      count bigint not null,
      primary key (organization_id, application_id, api_id, window_kind, window_start)
    )`.execute(db)
  await sql`create index plan_counters_window_idx on plan_counters (window_start)`.execute(db)

  for (const [table, bucket] of [
    ['usage_hourly', 'hour'],
    ['usage_daily', 'day'],
  ] as const) {
    await sql`
      create table ${sql.table(table)} (
        organization_id uuid not null,
        application_id uuid not null,
        ${sql.ref(bucket)} timestamptz not null,
        api_id uuid,
        key_id uuid not null,
        outcome text not null,
        count bigint not null,
        constraint ${sql.raw(`${table}_key`)} unique nulls not distinct
          (organization_id, application_id, ${sql.ref(bucket)}, api_id, key_id, outcome)
      )`.execute(db)
    await sql`create index ${sql.raw(`${table}_${bucket}_idx`)} on ${sql.table(table)} (${sql.ref(bucket)})`.execute(
      db,
    )
  }
}
