// Usage counts per application, API, key, hour (or day, after 90 days) and outcome. Instances add
// their counts in batches; each row's count only grows, so instances never overwrite each other.
import { sql } from 'kysely'
import type { Executor } from './executor.ts'

export interface UsageCount {
  organizationId: string
  applicationId: string
  apiId: string | null
  keyId: string
  outcome: string
  /** The start of the UTC hour. */
  hour: Date
  count: number
}

export interface UsageBucket {
  start: Date
  apiId: string | null
  keyId: string
  outcome: string
  count: number
}

/** Adds a batch of counts in one statement. */
export async function addUsage(db: Executor, counts: readonly UsageCount[]): Promise<void> {
  if (counts.length === 0) return
  await db
    .insertInto('usage_hourly')
    .values(
      counts.map((count) => ({
        organization_id: count.organizationId,
        application_id: count.applicationId,
        api_id: count.apiId,
        key_id: count.keyId,
        outcome: count.outcome,
        hour: count.hour,
        count: count.count,
      })),
    )
    .onConflict((oc) =>
      oc.constraint('usage_hourly_key').doUpdateSet({ count: sql`usage_hourly.count + excluded.count` }),
    )
    .execute()
}

/** The application's counts in [from, to), by hour or by UTC day (days gather hourly and rolled-up rows). */
export async function listUsage(
  db: Executor,
  organizationId: string,
  applicationId: string,
  range: { from: Date; to: Date; granularity: 'hour' | 'day' },
): Promise<UsageBucket[]> {
  const { from, to } = range
  const rows =
    range.granularity === 'hour'
      ? (
          await sql<{ start: Date; api_id: string | null; key_id: string; outcome: string; count: string }>`
            select hour as start, api_id, key_id, outcome, count::text as count from usage_hourly
            where organization_id = ${organizationId} and application_id = ${applicationId}
              and hour >= ${from} and hour < ${to}
            order by start, api_id nulls first, key_id, outcome`.execute(db)
        ).rows
      : (
          await sql<{ start: Date; api_id: string | null; key_id: string; outcome: string; count: string }>`
            select start, api_id, key_id, outcome, sum(count)::text as count from (
              select date_trunc('day', hour, 'UTC') as start, api_id, key_id, outcome, count from usage_hourly
              where organization_id = ${organizationId} and application_id = ${applicationId}
                and hour >= ${from} and hour < ${to}
              union all
              select day, api_id, key_id, outcome, count from usage_daily
              where organization_id = ${organizationId} and application_id = ${applicationId}
                and day >= ${from} and day < ${to}
            ) counted
            group by start, api_id, key_id, outcome
            order by start, api_id nulls first, key_id, outcome`.execute(db)
        ).rows
  return rows.map((row) => ({
    start: new Date(row.start),
    apiId: row.api_id,
    keyId: row.key_id,
    outcome: row.outcome,
    count: Number(row.count),
  }))
}

/**
 * Rolls hourly rows older than `before` into daily rows, and drops rows of applications that no
 * longer exist. One instance at a time (a transaction-scoped advisory lock): two roll-ups at once
 * would add the same hours twice. Run inside a transaction.
 */
export async function rollUpUsage(db: Executor, before: Date): Promise<boolean> {
  const { rows } = await sql<{ locked: boolean }>`
    select pg_try_advisory_xact_lock(hashtext('portico_usage_roll_up')) as locked`.execute(db)
  if (!rows[0]?.locked) return false
  await sql`
    with moved as (
      delete from usage_hourly where hour < ${before}
      returning organization_id, application_id, date_trunc('day', hour, 'UTC') as day, api_id, key_id, outcome, count
    )
    insert into usage_daily (organization_id, application_id, day, api_id, key_id, outcome, count)
    select organization_id, application_id, day, api_id, key_id, outcome, sum(count) from moved
    group by organization_id, application_id, day, api_id, key_id, outcome
    on conflict on constraint usage_daily_key do update set count = usage_daily.count + excluded.count`.execute(
    db,
  )
  for (const table of ['usage_hourly', 'usage_daily']) {
    await sql`
      delete from ${sql.table(table)} counted where not exists (
        select 1 from applications a
        where a.organization_id = counted.organization_id and a.id = counted.application_id)`.execute(db)
  }
  return true
}
