// The shared counters of plan limits: requests let through per application, API and window, summed
// over every instance. Each instance adds what it let through since its last flush and reads back
// the totals in the same statement.
import { sql } from 'kysely'
import type { LimitWindow } from '../domain/plans.ts'
import type { Executor } from './executor.ts'

export interface CounterKey {
  organizationId: string
  applicationId: string
  apiId: string
  window: LimitWindow
  windowStart: Date
}

/** Adds each increment (0 only reads) and answers every counter's total, in the order given. */
export async function addToCounters(
  db: Executor,
  increments: readonly (CounterKey & { add: number })[],
): Promise<number[]> {
  if (increments.length === 0) return []
  const rows = sql.join(
    increments.map(
      (item, index) =>
        sql`(${index}::integer, ${item.organizationId}::uuid, ${item.applicationId}::uuid, ${item.apiId}::uuid, ${item.window}::text, ${item.windowStart}::timestamptz, ${item.add}::bigint)`,
    ),
  )
  // One statement: the rows with something to add are upserted, and every requested total is read
  // after them (a CTE's writes are not visible to its sibling reads, so the sum covers both).
  const { rows: totals } = await sql<{ position: number; total: string }>`
    with given (position, organization_id, application_id, api_id, window_kind, window_start, add) as (
      values ${rows}
    ), added as (
      insert into plan_counters (organization_id, application_id, api_id, window_kind, window_start, count)
      select organization_id, application_id, api_id, window_kind, window_start, add from given where add > 0
      on conflict (organization_id, application_id, api_id, window_kind, window_start)
      do update set count = plan_counters.count + excluded.count
      returning organization_id, application_id, api_id, window_kind, window_start, count
    )
    select given.position, coalesce(added.count, stored.count, 0)::text as total
    from given
    left join added using (organization_id, application_id, api_id, window_kind, window_start)
    left join plan_counters stored using (organization_id, application_id, api_id, window_kind, window_start)
    order by given.position`.execute(db)
  return totals.map((row) => Number(row.total))
}

/** Deletes counters of windows that ended before `before`. */
export async function sweepCounters(db: Executor, before: { minute: Date; day: Date }): Promise<void> {
  await db
    .deleteFrom('plan_counters')
    .where((eb) =>
      eb.or([
        eb.and([eb('window_kind', '=', 'minute'), eb('window_start', '<', before.minute)]),
        eb.and([eb('window_kind', '=', 'day'), eb('window_start', '<', before.day)]),
      ]),
    )
    .execute()
}
