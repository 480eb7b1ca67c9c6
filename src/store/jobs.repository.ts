// The outbox of jobs (migration 0014): a job is written in the transaction of the change that
// causes it, then leased, run and marked by the dispatcher (services/outbox/dispatcher.ts). A lease
// that runs out (its runner died) makes the job due again, so nothing committed is ever lost; the
// lease is taken with FOR UPDATE SKIP LOCKED, so instances sharing a database never lease one job
// at the same time. Every statement stands alone (no session state), so a transaction-mode pooler
// in front of PostgreSQL is fine.
import { sql } from 'kysely'
import type { Executor } from './executor.ts'
import type { JobStatus } from './tables.ts'

export interface NewJob {
  kind: string
  organizationId?: string | null
  subjectId?: string | null
  payload: unknown
  /** Default: due at once. */
  dueAt?: Date
}

export interface LeasedJob {
  id: string
  kind: string
  organizationId: string | null
  subjectId: string | null
  payload: unknown
  /** Counting the attempt this lease is for. */
  attempts: number
  createdAt: Date
}

export async function insertJob(db: Executor, job: NewJob, now: Date): Promise<string> {
  const row = await db
    .insertInto('jobs')
    .values({
      kind: job.kind,
      organization_id: job.organizationId ?? null,
      subject_id: job.subjectId ?? null,
      payload: JSON.stringify(job.payload),
      created_at: now,
      next_attempt_at: job.dueAt ?? now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return row.id
}

/**
 * Leases up to `limit` due jobs of the given kinds until `leaseUntil`, counting the attempt.
 * `running` are the jobs the caller is still running itself: their lease may have run out (a slow
 * attempt, a clock that jumped), but leasing them again would only send them twice.
 */
export async function leaseDueJobs(
  db: Executor,
  kinds: readonly string[],
  now: Date,
  leaseUntil: Date,
  limit: number,
  running: readonly string[] = [],
): Promise<LeasedJob[]> {
  if (kinds.length === 0 || limit <= 0) return []
  const rows = await db
    .updateTable('jobs')
    .set({ lease_until: leaseUntil, attempts: sql`attempts + 1` })
    .where(
      'id',
      'in',
      db
        .selectFrom('jobs')
        .select('id')
        .where(sql<boolean>`status = 'pending'`)
        .where('next_attempt_at', '<=', now)
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
        .where('kind', 'in', kinds)
        .$if(running.length > 0, (query) => query.where('id', 'not in', running))
        .orderBy('next_attempt_at')
        .limit(limit)
        .forUpdate()
        .skipLocked(),
    )
    // A job leased again after its lease ran out is still pending: the update re-checks it.
    .where(sql<boolean>`status = 'pending'`)
    .returning(['id', 'kind', 'organization_id', 'subject_id', 'payload', 'attempts', 'created_at'])
    .execute()
  return rows.map((row) => ({
    id: row.id,
    kind: row.kind,
    organizationId: row.organization_id,
    subjectId: row.subject_id,
    payload: row.payload,
    attempts: row.attempts,
    createdAt: row.created_at,
  }))
}

export interface AttemptRecord {
  at: Date
  /** succeeded, failed (given up), or pending again at `retryAt`. */
  status: JobStatus
  retryAt?: Date
  statusCode?: number | null
  error?: string | null
  via?: string | null
}

/**
 * Records how the attempt of a lease went. Only the holder of the lease of that attempt may: the
 * attempt count fences off a runner whose lease ran out and was taken over (or a job retried by
 * hand meanwhile). False when the record was refused.
 */
export async function recordAttempt(
  db: Executor,
  job: { id: string; attempts: number },
  record: AttemptRecord,
): Promise<boolean> {
  return (await recordAttempts(db, [{ job, record }])).has(job.id)
}

/** Records the attempts of many leases in one statement (as recordAttempt each); answers the ids recorded. */
export async function recordAttempts(
  db: Executor,
  attempts: readonly { job: { id: string; attempts: number }; record: AttemptRecord }[],
): Promise<Set<string>> {
  const records = attempts.map(({ job, record }) => ({
    id: job.id,
    attempts: job.attempts,
    status: record.status,
    next_attempt_at: (record.retryAt ?? record.at).toISOString(),
    last_status_code: record.statusCode ?? null,
    last_error: record.error ? record.error.slice(0, 1000) : null,
    via: record.via ?? null,
    completed_at: record.status === 'pending' ? null : record.at.toISOString(),
  }))
  const { rows } = await sql<{ id: string }>`
    with record as (
      select * from jsonb_to_recordset(${JSON.stringify(records)}::jsonb) as r (id uuid, attempts int,
        status text, next_attempt_at text, last_status_code int, last_error text, via text, completed_at text)
    )
    update jobs set status = record.status, lease_until = null,
      next_attempt_at = record.next_attempt_at::timestamptz, last_status_code = record.last_status_code,
      last_error = record.last_error, delivered_via = coalesce(record.via, jobs.delivered_via),
      completed_at = record.completed_at::timestamptz
    from record
    -- "= any(array(…))": each job found by its key, not by a scan the planner may prefer for 100 guessed rows
    where jobs.id = record.id and jobs.id = any(array(select id from record))
      and jobs.attempts = record.attempts and jobs.status = 'pending'
    returning jobs.id`.execute(db)
  return new Set(rows.map((row) => row.id))
}

/** Makes a job due now (again), whatever its status: one more attempt. */
export async function retryJobNow(db: Executor, id: string, now: Date): Promise<void> {
  await db
    .updateTable('jobs')
    .set({ status: 'pending', next_attempt_at: now, completed_at: null })
    .where('id', '=', id)
    .execute()
}

/** Gives up on pending jobs of one kind about one subject (e.g. a disabled endpoint's deliveries). */
export async function failPendingJobs(
  db: Executor,
  where: { organizationId: string; subjectId: string; kind: string },
  error: string,
  now: Date,
): Promise<void> {
  await db
    .updateTable('jobs')
    .set({ status: 'failed', last_error: error, completed_at: now, lease_until: null })
    .where('organization_id', '=', where.organizationId)
    .where('subject_id', '=', where.subjectId)
    .where('kind', '=', where.kind)
    .where(sql<boolean>`status = 'pending'`)
    .execute()
}

/** Jobs of one kind about a subject that are still pending. */
export async function countPendingJobs(
  db: Executor,
  where: { kind?: string; organizationId?: string; subjectId?: string } = {},
): Promise<number> {
  let query = db
    .selectFrom('jobs')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where(sql<boolean>`status = 'pending'`)
  if (where.kind) query = query.where('kind', '=', where.kind)
  if (where.organizationId) query = query.where('organization_id', '=', where.organizationId)
  if (where.subjectId) query = query.where('subject_id', '=', where.subjectId)
  const row = await query.executeTakeFirstOrThrow()
  return Number(row.count)
}

/** Removes an organization's jobs of some kinds (its deliveries, when it is deleted). */
export async function deleteJobsOf(
  db: Executor,
  organizationId: string,
  kinds: readonly string[],
  subjectId?: string,
): Promise<void> {
  let query = db.deleteFrom('jobs').where('organization_id', '=', organizationId).where('kind', 'in', kinds)
  if (subjectId) query = query.where('subject_id', '=', subjectId)
  await query.execute()
}
