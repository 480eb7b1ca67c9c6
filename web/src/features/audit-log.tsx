// The audit log: one readable sentence per event (role titles, never role names), filters by type,
// person and date, export of the date range as NDJSON or CSV, and whether the hash chain verifies.
import { useInfiniteQuery, useQuery } from '@tanstack/react-query'
import { useId, useState } from 'react'
import { type AuditEventFilter, api, auditExportUrl, type Organization } from '../api/client.ts'
import { ErrorMessage, Loading, useDocumentTitle } from '../ui.tsx'
import { eventGroups } from './event-groups.ts'
import { describeEvent } from './event-sentences.ts'
import { everyMemberQuery } from './members.tsx'

/** A date field's day (local time) as the instant it begins. */
const startOfDay = (day: string) => new Date(`${day}T00:00:00`).toISOString()
const dayAfter = (day: string) => {
  const date = new Date(`${day}T00:00:00`)
  date.setDate(date.getDate() + 1)
  return date.toISOString()
}

function ChainMark({ organization }: { organization: Organization }) {
  const verification = useQuery({
    queryKey: ['audit-verify', organization.id],
    queryFn: () => api.verifyAuditChain(organization.id),
  })
  if (verification.isPending) return <span className="muted">Verifying the chain…</span>
  if (verification.isError) return <ErrorMessage error={verification.error} />
  const result = verification.data
  return result.valid ? (
    <span className="badge verified" role="status" title={`Head hash ${result.headHash}`}>
      ✓ Chain verified · {result.count} {result.count === 1 ? 'event' : 'events'}
    </span>
  ) : (
    <span className="badge broken" role="status">
      ✗ Chain broken at event #{result.brokenAt}
    </span>
  )
}

export function AuditLogPage({ organization }: { organization: Organization }) {
  useDocumentTitle('Audit log', organization.name)
  const ids = { type: useId(), person: useId(), from: useId(), to: useId() }
  const [type, setType] = useState('')
  const [actorId, setActorId] = useState('')
  const [from, setFrom] = useState('')
  const [to, setTo] = useState('')
  const range = { since: from ? startOfDay(from) : undefined, until: to ? dayAfter(to) : undefined }
  const filter: AuditEventFilter = { type: type || undefined, actorId: actorId || undefined, ...range }
  const canReadMembers = organization.permissions.includes('member:read')
  const roles = useQuery({
    queryKey: ['roles', organization.id],
    queryFn: () => api.roles(organization.id),
    enabled: organization.permissions.includes('role:read'),
  })
  const people = useQuery({ ...everyMemberQuery(organization), enabled: canReadMembers })
  const events = useInfiniteQuery({
    queryKey: ['audit-events', organization.id, filter],
    queryFn: ({ pageParam }) => api.auditEvents(organization.id, filter, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page) => page.nextCursor ?? undefined,
  })
  const titleOf = (name: string) => roles.data?.items.find((role) => role.name === name)?.title ?? name
  const items = events.data?.pages.flatMap((page) => page.items) ?? []
  const filtered = Boolean(type || actorId || from || to)
  return (
    <section aria-labelledby="audit-title">
      <div className="title-row">
        <h1 id="audit-title">Audit log</h1>
        <ChainMark organization={organization} />
      </div>
      <form className="inline filters" aria-label="Filters" onSubmit={(event) => event.preventDefault()}>
        <div className="field">
          <label htmlFor={ids.type}>Type</label>
          <select id={ids.type} value={type} onChange={(event) => setType(event.target.value)}>
            <option value="">All events</option>
            {eventGroups.map((group) => (
              <optgroup key={group.group} label={group.title}>
                <option value={`${group.group}.*`}>All: {group.group}.*</option>
                {group.types.map((eventType) => (
                  <option key={eventType} value={eventType}>
                    {eventType}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
        </div>
        {canReadMembers && (
          <div className="field">
            <label htmlFor={ids.person}>Person</label>
            <select id={ids.person} value={actorId} onChange={(event) => setActorId(event.target.value)}>
              <option value="">Anyone</option>
              {people.data?.items.map((member) => (
                <option key={member.userId} value={member.userId}>
                  {member.name}
                </option>
              ))}
            </select>
          </div>
        )}
        <div className="field">
          <label htmlFor={ids.from}>From</label>
          <input
            id={ids.from}
            type="date"
            value={from}
            max={to || undefined}
            onChange={(event) => setFrom(event.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={ids.to}>To</label>
          <input
            id={ids.to}
            type="date"
            value={to}
            min={from || undefined}
            onChange={(event) => setTo(event.target.value)}
          />
        </div>
        {filtered && (
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setType('')
              setActorId('')
              setFrom('')
              setTo('')
            }}
          >
            Clear filters
          </button>
        )}
      </form>
      <p className="actions export">
        <a className="button secondary" href={auditExportUrl(organization.id, 'ndjson', range)} download>
          Export NDJSON
        </a>
        <a className="button secondary" href={auditExportUrl(organization.id, 'csv', range)} download>
          Export CSV
        </a>
        <small className="hint">
          {from || to ? 'Every event of these dates' : 'Every event'}, oldest first, with its hash.
        </small>
      </p>
      {events.isPending ? (
        <Loading />
      ) : events.isError ? (
        <ErrorMessage error={events.error} />
      ) : items.length === 0 ? (
        <p className="muted">{filtered ? 'No events match these filters.' : 'No events yet.'}</p>
      ) : (
        <div className="table-wrap">
          <table aria-label="Events">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">When</th>
                <th scope="col">What happened</th>
                <th scope="col">Type</th>
              </tr>
            </thead>
            <tbody>
              {items.map((event) => (
                <tr key={event.id}>
                  <td className="muted">{event.seq}</td>
                  <td className="nowrap">
                    <time dateTime={event.occurredAt}>{new Date(event.occurredAt).toLocaleString()}</time>
                  </td>
                  <td>{describeEvent(event, titleOf)}</td>
                  <td>
                    <code>{event.type}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {events.hasNextPage && (
        <button
          type="button"
          className="secondary"
          onClick={() => events.fetchNextPage()}
          disabled={events.isFetchingNextPage}
        >
          Show more
        </button>
      )}
    </section>
  )
}
