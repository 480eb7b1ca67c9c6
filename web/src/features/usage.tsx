// An application's usage (API.md "Plans, rate limits and usage"): its calls per UTC hour or day by
// outcome as a stacked bar chart (recharts), for all keys or one; each key's totals and last use;
// and what each subscription's plan has left today. Counts come from GET …/usage, which is exact
// once the instances have flushed (at most 10 s behind), so the page asks again every 10 s.
import { useQuery } from '@tanstack/react-query'
import { lazy, Suspense, useState } from 'react'
import {
  type Api,
  api,
  type Key,
  type Organization,
  type Subscription,
  type UsageOutcome,
} from '../api/client.ts'
import { ErrorMessage, Loading } from '../ui.tsx'
import { usePlansOf } from './plans.tsx'

// The chart library is loaded with the first chart, not with the console.
const UsageChart = lazy(() => import('./usage-chart.tsx'))

const HOUR_MS = 3_600_000
const DAY_MS = 86_400_000
const REFRESH_MS = 10_000
const count = new Intl.NumberFormat('en-US')

/** Every outcome the usage answers, in the order the chart stacks them, with its words and colour. */
export const outcomes: { outcome: UsageOutcome; label: string; color: string }[] = [
  { outcome: 'allowed', label: 'Allowed', color: '#2e7d32' },
  { outcome: 'rate_limited', label: 'Rate limited', color: '#ef6c00' },
  { outcome: 'not_subscribed', label: 'Not subscribed', color: '#6a1b9a' },
  { outcome: 'wrong_environment', label: 'Wrong environment', color: '#00838f' },
  { outcome: 'revoked', label: 'Revoked', color: '#c62828' },
  { outcome: 'expired', label: 'Expired', color: '#757575' },
]

type Granularity = 'hour' | 'day'
const periods: Record<Granularity, { label: string; buckets: number; size: number; words: string }> = {
  hour: { label: 'Last 24 hours, by hour', buckets: 24, size: HOUR_MS, words: 'in the last 24 hours' },
  day: { label: 'Last 30 days, by day', buckets: 30, size: DAY_MS, words: 'in the last 30 days' },
}

/** The buckets' starts (UTC) of the period that ends with the current hour or day. */
function periodAt(granularity: Granularity, now: number): number[] {
  const { buckets, size } = periods[granularity]
  const last = now - (now % size)
  return Array.from({ length: buckets }, (_, index) => last - (buckets - 1 - index) * size)
}

const hourLabel = new Intl.DateTimeFormat('en-US', {
  timeZone: 'UTC',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
})
const dayLabel = new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', month: 'short', day: 'numeric' })

/** "1 request" / "6 requests: 3 allowed, 2 rate limited, 1 wrong environment". */
function sentence(totals: Map<UsageOutcome, number>): string {
  const total = [...totals.values()].reduce((sum, n) => sum + n, 0)
  const parts = outcomes
    .filter(({ outcome }) => (totals.get(outcome) ?? 0) > 0)
    .map(({ outcome, label }) => `${count.format(totals.get(outcome) ?? 0)} ${label.toLowerCase()}`)
  return `${count.format(total)} ${total === 1 ? 'request' : 'requests'}${parts.length > 0 ? `: ${parts.join(', ')}` : ''}`
}

export function Usage({
  organization,
  applicationId,
  keys,
  subscriptions,
  apis,
}: {
  organization: Organization
  applicationId: string
  keys: Key[]
  subscriptions: Subscription[]
  apis: Api[]
}) {
  const [granularity, setGranularity] = useState<Granularity>('hour')
  const [keyId, setKeyId] = useState('')
  const usage = useQuery({
    queryKey: ['usage', applicationId, granularity],
    queryFn: async () => {
      const starts = periodAt(granularity, Date.now())
      const from = starts[0] ?? 0
      const to = (starts.at(-1) ?? 0) + periods[granularity].size
      const answer = await api.usage(organization.id, applicationId, {
        from: new Date(from).toISOString(),
        to: new Date(to).toISOString(),
        granularity,
      })
      return { starts, items: answer.items }
    },
    refetchInterval: REFRESH_MS,
  })
  const items = usage.data?.items ?? []
  const shown = keyId ? items.filter((item) => item.keyId === keyId) : items

  // One row per bucket, every bucket of the period (empty ones too), a count per outcome.
  const rows = (usage.data?.starts ?? []).map((start) => ({
    start,
    label: (granularity === 'hour' ? hourLabel : dayLabel).format(start),
    ...Object.fromEntries(outcomes.map(({ outcome }) => [outcome, 0])),
  })) as ({ start: number; label: string } & Record<UsageOutcome, number>)[]
  const byStart = new Map(rows.map((row) => [row.start, row]))
  const totals = new Map<UsageOutcome, number>()
  for (const item of shown) {
    const row = byStart.get(Date.parse(item.start))
    if (row) row[item.outcome] += item.count
    totals.set(item.outcome, (totals.get(item.outcome) ?? 0) + item.count)
  }
  const drawn = outcomes.filter(({ outcome }) => outcome === 'allowed' || (totals.get(outcome) ?? 0) > 0)
  // The table's columns: allowed, and every outcome some key had in the period.
  const seen = outcomes.filter(
    ({ outcome }) => outcome === 'allowed' || items.some((item) => item.outcome === outcome),
  )

  // Keys: the application's live keys, and any other that the usage names (revoked since).
  const keyName = (id: string) => {
    const key = keys.find((k) => k.id === id)
    return key ? `${key.name} (…${key.last4})` : `A revoked key (${id.slice(0, 8)})`
  }
  const keyIds = [...new Set([...keys.map((k) => k.id), ...items.map((item) => item.keyId)])]

  return (
    <section aria-labelledby="usage-title">
      <h2 id="usage-title">Usage</h2>
      <form className="inline filters" onSubmit={(event) => event.preventDefault()}>
        <div className="field">
          <label htmlFor="usage-period">Period</label>
          <select
            id="usage-period"
            value={granularity}
            onChange={(event) => setGranularity(event.target.value as Granularity)}
          >
            {(Object.keys(periods) as Granularity[]).map((g) => (
              <option key={g} value={g}>
                {periods[g].label}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="usage-key">Key</label>
          <select id="usage-key" value={keyId} onChange={(event) => setKeyId(event.target.value)}>
            <option value="">All keys</option>
            {keyIds.map((id) => (
              <option key={id} value={id}>
                {keyName(id)}
              </option>
            ))}
          </select>
        </div>
      </form>
      <ErrorMessage error={usage.error} />
      {usage.isPending ? (
        <Loading />
      ) : (
        <figure className="usage-chart">
          <figcaption data-testid="usage-summary">
            {sentence(totals)} {periods[granularity].words}
            {keyId ? ` with ${keyName(keyId)}` : ''}.
          </figcaption>
          <Suspense fallback={<Loading />}>
            <UsageChart rows={rows} drawn={drawn} />
          </Suspense>
          <p className="hint">
            Times in UTC. Counts arrive within about 10 seconds; this page asks again every 10 seconds.
          </p>
        </figure>
      )}
      {keyIds.length > 0 && (
        <>
          <h3 id="usage-keys-title">By key</h3>
          <div className="table-wrap">
            <table aria-labelledby="usage-keys-title">
              <thead>
                <tr>
                  <th scope="col">Key</th>
                  <th scope="col">Last used</th>
                  {seen.map(({ outcome, label }) => (
                    <th key={outcome} scope="col">
                      {label}
                    </th>
                  ))}
                  <th scope="col">Total</th>
                </tr>
              </thead>
              <tbody>
                {keyIds.map((id) => {
                  const key = keys.find((k) => k.id === id)
                  const counts = seen.map(({ outcome }) =>
                    items
                      .filter((item) => item.keyId === id && item.outcome === outcome)
                      .reduce((sum, item) => sum + item.count, 0),
                  )
                  return (
                    <tr key={id}>
                      <th scope="row">{keyName(id)}</th>
                      <td>
                        {key?.lastUsedAt ? new Date(key.lastUsedAt).toLocaleString() : key ? 'Never' : '–'}
                      </td>
                      {counts.map((n, index) => (
                        <td key={seen[index]?.outcome}>{count.format(n)}</td>
                      ))}
                      <td>{count.format(counts.reduce((sum, n) => sum + n, 0))}</td>
                    </tr>
                  )
                })}
              </tbody>
            </table>
          </div>
        </>
      )}
      <Quotas
        organization={organization}
        applicationId={applicationId}
        subscriptions={subscriptions}
        apis={apis}
      />
    </section>
  )
}

/**
 * What each subscription's plan has left today: the plan's daily limit less the calls allowed in
 * the UTC day so far (over all keys, as the limit counts them). The minute's budget passes too fast
 * to show; the usage has no minutes.
 */
function Quotas({
  organization,
  applicationId,
  subscriptions,
  apis,
}: {
  organization: Organization
  applicationId: string
  subscriptions: Subscription[]
  apis: Api[]
}) {
  const plans = usePlansOf(
    organization,
    subscriptions.map((s) => s.apiId),
  )
  const today = useQuery({
    queryKey: ['usage', applicationId, 'today'],
    queryFn: () => {
      const now = Date.now()
      const start = now - (now % DAY_MS)
      return api.usage(organization.id, applicationId, {
        from: new Date(start).toISOString(),
        to: new Date(start + DAY_MS).toISOString(),
        granularity: 'day',
      })
    },
    refetchInterval: REFRESH_MS,
  })
  if (subscriptions.length === 0) return null
  const allowedToday = (apiId: string) =>
    (today.data?.items ?? [])
      .filter((item) => item.apiId === apiId && item.outcome === 'allowed')
      .reduce((sum, item) => sum + item.count, 0)
  return (
    <>
      <h3 id="quota-title">Plan quotas</h3>
      <div className="table-wrap">
        <table aria-labelledby="quota-title">
          <thead>
            <tr>
              <th scope="col">API</th>
              <th scope="col">Plan</th>
              <th scope="col">Per minute</th>
              <th scope="col">Per day</th>
              <th scope="col">Left today (UTC)</th>
            </tr>
          </thead>
          <tbody>
            {subscriptions.map((subscription) => {
              const found = apis.find((a) => a.id === subscription.apiId)
              const plan = plans.get(subscription.apiId)?.find((p) => p.name === subscription.plan)
              const perDay = plan?.requestsPerDay
              return (
                <tr key={subscription.id}>
                  <th scope="row">{found ? `${found.name} ${found.version}` : 'An API'}</th>
                  <td>{plan?.title ?? subscription.plan}</td>
                  <td>
                    {plan?.requestsPerMinute !== undefined
                      ? count.format(plan.requestsPerMinute)
                      : 'No limit'}
                  </td>
                  <td>{perDay !== undefined ? count.format(perDay) : 'No limit'}</td>
                  <td>
                    {perDay === undefined
                      ? 'No limit'
                      : today.data
                        ? `${count.format(Math.max(0, perDay - allowedToday(subscription.apiId)))} of ${count.format(perDay)}`
                        : '…'}
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
      </div>
    </>
  )
}
