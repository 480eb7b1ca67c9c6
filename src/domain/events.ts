// The event catalog: every change to an organization is an event of one of these types, and each
// type says what it targets and the shape of its `data`, as data. A misspelt type or a missing or
// extra field fails to compile. `data` carries what a consumer needs (ids, names, roles before and
// after) and never a secret or a token.
//
// Field specs: 'string', 'string?' (a string or null), 'number', 'boolean', 'strings' (a list of
// strings), 'roles' (a list of role names), 'time' (an ISO-8601 string), a list of literal strings
// (one of them), or an object of specs.
import type { RoleName } from './permissions.ts'

/** What an event is about: `target.type` of the AuditEvent. */
export const targetTypes = [
  'organization',
  'member',
  'invitation',
  'api',
  'environment',
  'application',
  'subscription',
  'key',
  'webhook',
  'developer',
] as const
export type TargetType = (typeof targetTypes)[number]

const organizationFields = { name: 'string', logo: 'string?' } as const
const apiFields = { name: 'string', version: 'string', basePath: 'string', description: 'string' } as const
const applicationFields = { name: 'string', description: 'string' } as const
const keyFields = {
  applicationId: 'string',
  environment: 'string',
  name: 'string',
  prefix: 'string',
  last4: 'string',
} as const
const memberFields = { userId: 'string', name: 'string', email: 'string' } as const
const webhookFields = { url: 'string', events: 'strings', description: 'string', enabled: 'boolean' } as const

export const eventCatalog = {
  'organization.created': { target: 'organization', data: { handle: 'string', name: 'string' } },
  /** A rename, or a logo set or removed (`logo` is the image's version, null for none). */
  'organization.updated': {
    target: 'organization',
    data: { before: organizationFields, after: organizationFields },
  },
  /** What went with it (members, resources, keys) is not recorded one by one. */
  'organization.deleted': { target: 'organization', data: { handle: 'string', name: 'string' } },

  /** By creating the organization (`invitationId` null) or accepting an invitation. */
  'member.added': { target: 'member', data: { ...memberFields, roles: 'roles', invitationId: 'string?' } },
  'member.updated': {
    target: 'member',
    data: { ...memberFields, before: { roles: 'roles' }, after: { roles: 'roles' } },
  },
  /** `reason`: removed by someone else, or left. */
  'member.removed': {
    target: 'member',
    data: { ...memberFields, roles: 'roles', reason: ['removed', 'left'] },
  },

  'invitation.created': {
    target: 'invitation',
    data: { email: 'string', roles: 'roles', expiresAt: 'time' },
  },
  'invitation.resent': { target: 'invitation', data: { email: 'string', roles: 'roles', expiresAt: 'time' } },
  'invitation.accepted': {
    target: 'invitation',
    data: { email: 'string', roles: 'roles', userId: 'string', name: 'string' },
  },
  'invitation.declined': {
    target: 'invitation',
    data: { email: 'string', userId: 'string', name: 'string' },
  },
  'invitation.revoked': { target: 'invitation', data: { email: 'string', roles: 'roles' } },

  'api.created': { target: 'api', data: { ...apiFields, status: ['draft', 'published', 'deprecated'] } },
  /** Also a change of the API's plans: `plans` then lists them as they became (null otherwise). */
  'api.updated': { target: 'api', data: { before: apiFields, after: apiFields, plans: 'string?' } },
  'api.published': {
    target: 'api',
    data: { name: 'string', version: 'string', previousStatus: ['draft', 'published', 'deprecated'] },
  },
  'api.deprecated': {
    target: 'api',
    data: { name: 'string', version: 'string', previousStatus: ['draft', 'published', 'deprecated'] },
  },
  'api.deleted': { target: 'api', data: { name: 'string', version: 'string', basePath: 'string' } },

  'environment.created': { target: 'environment', data: { name: 'string' } },
  'environment.updated': {
    target: 'environment',
    data: { before: { name: 'string' }, after: { name: 'string' } },
  },
  'environment.deleted': { target: 'environment', data: { name: 'string' } },

  'application.created': { target: 'application', data: applicationFields },
  'application.updated': {
    target: 'application',
    data: { before: applicationFields, after: applicationFields },
  },
  /** Its subscriptions and keys went with it. */
  'application.deleted': { target: 'application', data: { name: 'string' } },

  'subscription.created': {
    target: 'subscription',
    data: {
      applicationId: 'string',
      applicationName: 'string',
      apiId: 'string',
      apiName: 'string',
      plan: 'string',
    },
  },
  'subscription.deleted': {
    target: 'subscription',
    data: { applicationId: 'string', applicationName: 'string', apiId: 'string', apiName: 'string' },
  },

  'key.created': { target: 'key', data: { ...keyFields, expiresAt: 'time?' } },
  /** Targets the new key; the previous one works until `previousKeyExpiresAt` (now when no grace). */
  'key.rotated': {
    target: 'key',
    data: {
      ...keyFields,
      previousKeyId: 'string',
      gracePeriodSeconds: 'number',
      previousKeyExpiresAt: 'time',
    },
  },
  /** `reason`: revoked by a member, or because the membership of the member who made it ended. */
  'key.revoked': { target: 'key', data: { ...keyFields, reason: ['revoked', 'membership_ended'] } },

  /** Targets the developer identity (its id is the organization's). Not recorded with PROVIDER_PORTAL=none. */
  'developer.provisioned': { target: 'developer', data: { developerId: 'string', provider: 'string' } },
  'developer.provisioning_failed': {
    target: 'developer',
    data: { developerId: 'string', provider: 'string', attempt: 'number', error: 'string' },
  },

  'webhook.created': { target: 'webhook', data: webhookFields },
  /** Also a secret rotation (`secretRotated`); the secret itself is never recorded. */
  'webhook.updated': {
    target: 'webhook',
    data: { before: webhookFields, after: webhookFields, secretRotated: 'boolean' },
  },
  'webhook.deleted': { target: 'webhook', data: { url: 'string' } },
} as const satisfies Record<`${string}.${string}`, { target: TargetType; data: FieldSpecs }>

type FieldSpec =
  | 'string'
  | 'string?'
  | 'number'
  | 'boolean'
  | 'strings'
  | 'roles'
  | 'time'
  | 'time?'
  | readonly string[]
  | FieldSpecs
interface FieldSpecs {
  readonly [field: string]: FieldSpec
}

type ValueOf<S> = S extends 'string'
  ? string
  : S extends 'string?'
    ? string | null
    : S extends 'number'
      ? number
      : S extends 'boolean'
        ? boolean
        : S extends 'strings'
          ? readonly string[]
          : S extends 'roles'
            ? readonly RoleName[]
            : S extends 'time'
              ? string
              : S extends 'time?'
                ? string | null
                : S extends readonly (infer L)[]
                  ? L
                  : { -readonly [F in keyof S]: ValueOf<S[F]> }

type Catalog = typeof eventCatalog
export type EventType = keyof Catalog
export type EventData<T extends EventType> = ValueOf<Catalog[T]['data']>

export const eventTypes = Object.keys(eventCatalog) as EventType[]

export function isEventType(value: string): value is EventType {
  return Object.hasOwn(eventCatalog, value)
}

/** The target type of each event type. */
export function targetTypeOf(type: EventType): TargetType {
  return eventCatalog[type].target
}

/**
 * `type` as a filter: an exact type, or a prefix (`member.*`, `member.`) that stands for every type
 * beginning with it. Undefined when it names no type at all.
 */
export function eventTypesMatching(filter: string): EventType[] | undefined {
  const prefix = filter.endsWith('.*') ? filter.slice(0, -1) : filter
  const matching = prefix.endsWith('.')
    ? eventTypes.filter((type) => type.startsWith(prefix))
    : eventTypes.filter((type) => type === prefix)
  return matching.length > 0 ? matching : undefined
}

/** An event to record: its type, the organization, what it targets and its data. */
export type NewEvent = {
  [T in EventType]: { type: T; organizationId: string; targetId: string; data: EventData<T> }
}[EventType]

/** Who made a change: a person's request, or Portico's own background work. */
export type EventActor =
  | { type: 'user'; id: string; name: string }
  | { type: 'system'; id: null; name: 'Portico' }

export const systemActor: EventActor = { type: 'system', id: null, name: 'Portico' }

/** An event as the API serves it and as its hash covers it (with `hash`). */
export interface AuditEvent {
  id: string
  organizationId: string
  seq: number
  type: EventType
  occurredAt: string
  actor: EventActor
  target: { type: TargetType; id: string }
  data: unknown
  requestId: string | null
  hash: string
}
