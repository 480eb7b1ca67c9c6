// An application's usage (API.md "Plans, rate limits and usage"): counts by UTC hour or day, API,
// key and outcome. Buckets that overlap [from, to) are answered whole. What instances counted in
// the last few seconds is not there yet (UsageRecorder flushes every 5 s).
import { DomainError } from '../../domain/errors.ts'
import { listUsage, type UsageBucket } from '../../store/usage.repository.ts'
import { type Actor, requirePermission } from '../access.ts'
import type { ServiceDependencies } from '../dependencies.ts'
import { requireApplication } from '../portal/applications.service.ts'

const HOUR_MS = 3_600_000
const DAY_MS = 86_400_000
const MAX_SPAN_MS = { hour: 31 * DAY_MS, day: 366 * DAY_MS }

export type Granularity = 'hour' | 'day'

function invalidQuery(path: string, message: string): DomainError {
  return new DomainError('validation_failed', `${path.slice(1)} ${message}`, {
    errors: [{ in: 'query', path, message }],
  })
}

function instant(path: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback
  const time = Date.parse(text)
  if (Number.isNaN(time)) throw invalidQuery(path, 'must be an ISO-8601 time')
  return time
}

export async function getUsage(
  deps: ServiceDependencies,
  actor: Actor,
  applicationId: string,
  query: { from?: string; to?: string; granularity?: Granularity },
): Promise<UsageBucket[]> {
  const { organization } = requirePermission(actor, 'application:read')
  const granularity = query.granularity ?? 'hour'
  const now = deps.clock.now().getTime()
  const to = instant('/to', query.to, now)
  const from = instant('/from', query.from, to - DAY_MS)
  if (from >= to) throw invalidQuery('/from', 'must be before to')
  if (to - from > MAX_SPAN_MS[granularity]) {
    throw invalidQuery(
      '/to',
      granularity === 'hour'
        ? 'is more than 31 days after from (hours)'
        : 'is more than 366 days after from (days)',
    )
  }
  await requireApplication(deps.db, actor, applicationId)
  const size = granularity === 'hour' ? HOUR_MS : DAY_MS
  return listUsage(deps.db, organization.id, applicationId, {
    from: new Date(from - (from % size)),
    to: new Date(Math.ceil(to / size) * size),
    granularity,
  })
}
