// The audit log: one readable sentence per event (role titles, never role names), filters by type,
// person and date, export of the date range as NDJSON or CSV, and whether the hash chain verifies.
import { useInfiniteQuery, useQuery } from '@tanstack/react-query'
import { useId, useState } from 'react'
import type { EventData, EventType } from '../../../src/domain/events.ts'
import {
  type AuditEvent,
  type AuditEventFilter,
  api,
  auditExportUrl,
  type Organization,
} from '../api/client.ts'
import { ErrorMessage, Loading, useDocumentTitle } from '../ui.tsx'
import { eventGroups } from './event-groups.ts'

const providerTitles: Record<string, string> = { portico: 'Portico', api7: 'the API7 Developer Portal' }

type TypedEvent = { [T in EventType]: { type: T; data: EventData<T> } }[EventType]

const list = (items: readonly string[]) =>
  new Intl.ListFormat('en', { style: 'long', type: 'conjunction' }).format(items)
const quoted = (text: string) => (text === '' ? 'nothing' : `“${text}”`)

/** "name from “A” to “B” and description from nothing to “C”" for the fields that differ. */
function changes(before: Record<string, unknown>, after: Record<string, unknown>): string {
  const shown = (value: unknown) =>
    Array.isArray(value) ? list(value.map(String)) : typeof value === 'string' ? quoted(value) : String(value)
  const changed = Object.keys(after).filter(
    (field) => JSON.stringify(before[field]) !== JSON.stringify(after[field]),
  )
  return changed.length === 0
    ? 'nothing changed'
    : list(changed.map((field) => `${field} from ${shown(before[field])} to ${shown(after[field])}`))
}

/**
 * The event as a sentence: "Alice changed Bob's roles from Member to Admin". `titleOf` gives a
 * role's title. Every type of the catalog has its sentence, or this fails to compile.
 */
export function describeEvent(event: AuditEvent, titleOf: (role: string) => string): string {
  const who = event.actor.name
  const roles = (names: readonly string[]) => list(names.map(titleOf))
  const self = (userId: string) => event.actor.id === userId
  const typed = { type: event.type, data: event.data } as TypedEvent
  switch (typed.type) {
    case 'organization.created':
      return `${who} created the organization ${typed.data.name} (${typed.data.handle})`
    case 'organization.updated': {
      const { before, after } = typed.data
      if (before.name !== after.name)
        return `${who} renamed the organization from ${quoted(before.name)} to ${quoted(after.name)}`
      if (after.logo === null) return `${who} removed the organization's logo`
      return before.logo === null
        ? `${who} added a logo to the organization`
        : `${who} changed the organization's logo`
    }
    case 'organization.deleted':
      return `${who} deleted the organization ${typed.data.name} (${typed.data.handle})`
    case 'member.added':
      return self(typed.data.userId)
        ? `${typed.data.name} joined as ${roles(typed.data.roles)}`
        : `${who} added ${typed.data.name} as ${roles(typed.data.roles)}`
    case 'member.updated':
      return `${who} changed ${self(typed.data.userId) ? 'their own' : `${typed.data.name}'s`} roles from ${roles(typed.data.before.roles)} to ${roles(typed.data.after.roles)}`
    case 'member.removed':
      return typed.data.reason === 'left'
        ? `${typed.data.name} left the organization`
        : `${who} removed ${typed.data.name} (${roles(typed.data.roles)})`
    case 'invitation.created':
      return `${who} invited ${typed.data.email} as ${roles(typed.data.roles)}`
    case 'invitation.resent':
      return `${who} resent the invitation to ${typed.data.email}`
    case 'invitation.accepted':
      return `${typed.data.name} accepted the invitation to ${typed.data.email} as ${roles(typed.data.roles)}`
    case 'invitation.declined':
      return `${typed.data.name} declined the invitation to ${typed.data.email}`
    case 'invitation.revoked':
      return `${who} revoked the invitation to ${typed.data.email}`
    case 'api.created':
      return `${who} created the API ${typed.data.name} ${typed.data.version} at ${typed.data.basePath}`
    case 'api.updated':
      return typed.data.plans !== null
        ? `${who} changed the plans of the API ${typed.data.after.name} ${typed.data.after.version}`
        : `${who} changed the API ${typed.data.before.name} ${typed.data.before.version}: ${changes(typed.data.before, typed.data.after)}`
    case 'api.published':
      return `${who} published the API ${typed.data.name} ${typed.data.version}`
    case 'api.deprecated':
      return `${who} deprecated the API ${typed.data.name} ${typed.data.version}`
    case 'api.deleted':
      return `${who} deleted the API ${typed.data.name} ${typed.data.version}`
    case 'environment.created':
      return `${who} created the environment ${typed.data.name}`
    case 'environment.updated':
      return `${who} renamed the environment ${typed.data.before.name} to ${typed.data.after.name}`
    case 'environment.deleted':
      return `${who} deleted the environment ${typed.data.name}`
    case 'application.created':
      return `${who} created the application ${typed.data.name}`
    case 'application.updated':
      return `${who} changed the application ${typed.data.before.name}: ${changes(typed.data.before, typed.data.after)}`
    case 'application.deleted':
      return `${who} deleted the application ${typed.data.name} with its subscriptions and keys`
    case 'subscription.created':
      return `${who} subscribed the application ${typed.data.applicationName} to ${typed.data.apiName} (plan ${typed.data.plan})`
    case 'subscription.deleted':
      return `${who} cancelled the subscription of ${typed.data.applicationName} to ${typed.data.apiName}`
    case 'key.created':
      return `${who} created the ${typed.data.environment} API key ${typed.data.name} (${typed.data.prefix}…${typed.data.last4})`
    case 'key.rotated':
      return `${who} rotated the ${typed.data.environment} API key ${typed.data.name}; the new one ends in ${typed.data.last4}${
        typed.data.gracePeriodSeconds > 0
          ? `, the previous one works until ${new Date(typed.data.previousKeyExpiresAt).toLocaleString()}`
          : ''
      }`
    case 'key.revoked':
      return `${who} revoked the ${typed.data.environment} API key ${typed.data.name} (${typed.data.prefix}…${typed.data.last4})${
        typed.data.reason === 'membership_ended' ? " because its creator's membership ended" : ''
      }`
    case 'developer.provisioned':
      return `${who} provisioned the developer identity in ${providerTitles[typed.data.provider] ?? typed.data.provider}`
    case 'developer.provisioning_failed':
      return `Provisioning the developer identity in ${providerTitles[typed.data.provider] ?? typed.data.provider} failed (attempt ${typed.data.attempt}): ${typed.data.error}`
    case 'webhook.created':
      return `${who} added the webhook ${typed.data.url}`
    case 'webhook.updated': {
      const { before, after } = typed.data
      if (typed.data.secretRotated) return `${who} rotated the secret of the webhook ${after.url}`
      if (before.enabled && !after.enabled) return `${who} disabled the webhook ${after.url}`
      if (!before.enabled && after.enabled) return `${who} enabled the webhook ${after.url}`
      return `${who} changed the webhook ${before.url}: ${changes(before, after)}`
    }
    case 'webhook.deleted':
      return `${who} deleted the webhook ${typed.data.url}`
  }
}

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
  const people = useQuery({
    queryKey: ['members', organization.id, 'audit-people'],
    queryFn: () => api.members(organization.id, { limit: 100 }),
    enabled: canReadMembers,
  })
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
