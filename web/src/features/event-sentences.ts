// Each audit event as a sentence a person reads: "Alice changed Bob's roles from Member to
// Administrator". Pure (no React, no requests), so that every type's sentence is tested
// (test/unit/event-sentences.test.ts); role names become their titles through `titleOf`.
import type { EventData, EventType } from '../../../src/domain/events.ts'

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
export function describeEvent(
  event: { type: EventType; data: unknown; actor: { id: string | null; name: string } },
  titleOf: (role: string) => string,
): string {
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
