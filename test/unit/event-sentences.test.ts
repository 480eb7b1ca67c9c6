// The console's sentence for every event type of the catalog (web/src/features/event-sentences.ts):
// one case per type, keyed by type, so a new type does not compile here until its sentence is
// written and checked. Role names are shown as their titles.
import { describe, expect, it } from 'vitest'
import { type EventData, type EventType, eventTypes } from '../../src/domain/events.ts'
import { builtInRoles } from '../../src/domain/permissions.ts'
import { describeEvent } from '../../web/src/features/event-sentences.ts'

const alice = { id: '00000000-0000-4000-8000-00000000000a', name: 'Alice Martin' }
const bob = { id: '00000000-0000-4000-8000-00000000000b', name: 'Bob Stone' }
const portico = { id: null, name: 'Portico' }
type Actor = { id: string | null; name: string }

const titleOf = (name: string) => builtInRoles.find((role) => role.name === name)?.title ?? name
const key = {
  applicationId: 'app-1',
  environment: 'production',
  name: 'CI key',
  prefix: 'portico_production_',
  last4: 'x9Z2',
}
const hook = {
  url: 'https://hooks.example.com/portico',
  events: ['member.*'],
  description: '',
  enabled: true,
}
const expiry = '2026-12-01T12:00:00.000Z'

const cases: { [T in EventType]: { actor?: Actor; data: EventData<T>; sentence: string }[] } = {
  'organization.created': [
    { data: { handle: 'acme', name: 'Acme' }, sentence: 'Alice Martin created the organization Acme (acme)' },
  ],
  'organization.updated': [
    {
      data: { before: { name: 'Acme', logo: null }, after: { name: 'Acme Corp', logo: null } },
      sentence: 'Alice Martin renamed the organization from “Acme” to “Acme Corp”',
    },
    {
      data: { before: { name: 'Acme', logo: null }, after: { name: 'Acme', logo: 'v1' } },
      sentence: 'Alice Martin added a logo to the organization',
    },
    {
      data: { before: { name: 'Acme', logo: 'v1' }, after: { name: 'Acme', logo: 'v2' } },
      sentence: "Alice Martin changed the organization's logo",
    },
    {
      data: { before: { name: 'Acme', logo: 'v2' }, after: { name: 'Acme', logo: null } },
      sentence: "Alice Martin removed the organization's logo",
    },
  ],
  'organization.deleted': [
    { data: { handle: 'acme', name: 'Acme' }, sentence: 'Alice Martin deleted the organization Acme (acme)' },
  ],
  'member.added': [
    {
      data: {
        userId: alice.id,
        name: 'Alice Martin',
        email: 'alice@example.com',
        roles: ['owner'],
        invitationId: null,
      },
      sentence: 'Alice Martin joined as Owner',
    },
    {
      actor: bob,
      data: {
        userId: bob.id,
        name: 'Bob Stone',
        email: 'bob@example.com',
        roles: ['api-publisher', 'developer'],
        invitationId: 'inv-1',
      },
      sentence: 'Bob Stone joined as API publisher and Developer',
    },
  ],
  'member.updated': [
    {
      data: {
        userId: bob.id,
        name: 'Bob Stone',
        email: 'bob@example.com',
        before: { roles: ['member'] },
        after: { roles: ['admin'] },
      },
      sentence: "Alice Martin changed Bob Stone's roles from Member to Administrator",
    },
    {
      data: {
        userId: alice.id,
        name: 'Alice Martin',
        email: 'alice@example.com',
        before: { roles: ['owner', 'admin'] },
        after: { roles: ['owner'] },
      },
      sentence: 'Alice Martin changed their own roles from Owner and Administrator to Owner',
    },
  ],
  'member.removed': [
    {
      data: {
        userId: bob.id,
        name: 'Bob Stone',
        email: 'bob@example.com',
        roles: ['member'],
        reason: 'removed',
      },
      sentence: 'Alice Martin removed Bob Stone (Member)',
    },
    {
      actor: bob,
      data: {
        userId: bob.id,
        name: 'Bob Stone',
        email: 'bob@example.com',
        roles: ['member'],
        reason: 'left',
      },
      sentence: 'Bob Stone left the organization',
    },
  ],
  'invitation.created': [
    {
      data: { email: 'carol@example.com', roles: ['external-api-subscriber'], expiresAt: expiry },
      sentence: 'Alice Martin invited carol@example.com as External API subscriber',
    },
  ],
  'invitation.resent': [
    {
      data: { email: 'carol@example.com', roles: ['member'], expiresAt: expiry },
      sentence: 'Alice Martin resent the invitation to carol@example.com',
    },
  ],
  'invitation.accepted': [
    {
      actor: bob,
      data: { email: 'bob@example.com', roles: ['member'], userId: bob.id, name: 'Bob Stone' },
      sentence: 'Bob Stone accepted the invitation to bob@example.com as Member',
    },
  ],
  'invitation.declined': [
    {
      actor: bob,
      data: { email: 'bob@example.com', userId: bob.id, name: 'Bob Stone' },
      sentence: 'Bob Stone declined the invitation to bob@example.com',
    },
  ],
  'invitation.revoked': [
    {
      data: { email: 'carol@example.com', roles: ['member'] },
      sentence: 'Alice Martin revoked the invitation to carol@example.com',
    },
  ],
  'api.created': [
    {
      data: { name: 'Payments', version: 'v1', basePath: '/pay', description: '', status: 'draft' },
      sentence: 'Alice Martin created the API Payments v1 at /pay',
    },
  ],
  'api.updated': [
    {
      data: {
        before: { name: 'Payments', version: 'v1', basePath: '/pay', description: '' },
        after: { name: 'Payments', version: 'v1', basePath: '/payments', description: 'Card payments' },
        plans: null,
      },
      sentence:
        'Alice Martin changed the API Payments v1: basePath from “/pay” to “/payments” and description from nothing to “Card payments”',
    },
    {
      data: {
        before: { name: 'Payments', version: 'v1', basePath: '/pay', description: '' },
        after: { name: 'Payments', version: 'v1', basePath: '/pay', description: '' },
        plans: 'default, gold',
      },
      sentence: 'Alice Martin changed the plans of the API Payments v1',
    },
  ],
  'api.published': [
    {
      data: { name: 'Payments', version: 'v1', previousStatus: 'draft' },
      sentence: 'Alice Martin published the API Payments v1',
    },
  ],
  'api.deprecated': [
    {
      data: { name: 'Payments', version: 'v1', previousStatus: 'published' },
      sentence: 'Alice Martin deprecated the API Payments v1',
    },
  ],
  'api.deleted': [
    {
      data: { name: 'Payments', version: 'v1', basePath: '/pay' },
      sentence: 'Alice Martin deleted the API Payments v1',
    },
  ],
  'environment.created': [
    { data: { name: 'staging' }, sentence: 'Alice Martin created the environment staging' },
  ],
  'environment.updated': [
    {
      data: { before: { name: 'staging' }, after: { name: 'qa' } },
      sentence: 'Alice Martin renamed the environment staging to qa',
    },
  ],
  'environment.deleted': [{ data: { name: 'qa' }, sentence: 'Alice Martin deleted the environment qa' }],
  'application.created': [
    {
      data: { name: 'Storefront', description: '' },
      sentence: 'Alice Martin created the application Storefront',
    },
  ],
  'application.updated': [
    {
      data: { before: { name: 'Storefront', description: '' }, after: { name: 'Shop', description: '' } },
      sentence: 'Alice Martin changed the application Storefront: name from “Storefront” to “Shop”',
    },
  ],
  'application.deleted': [
    {
      data: { name: 'Shop' },
      sentence: 'Alice Martin deleted the application Shop with its subscriptions and keys',
    },
  ],
  'subscription.created': [
    {
      data: {
        applicationId: 'app-1',
        applicationName: 'Shop',
        apiId: 'api-1',
        apiName: 'Payments',
        plan: 'gold',
      },
      sentence: 'Alice Martin subscribed the application Shop to Payments (plan gold)',
    },
  ],
  'subscription.deleted': [
    {
      data: { applicationId: 'app-1', applicationName: 'Shop', apiId: 'api-1', apiName: 'Payments' },
      sentence: 'Alice Martin cancelled the subscription of Shop to Payments',
    },
  ],
  'key.created': [
    {
      data: { ...key, expiresAt: null },
      sentence: 'Alice Martin created the production API key CI key (portico_production_…x9Z2)',
    },
  ],
  'key.rotated': [
    {
      data: { ...key, previousKeyId: 'key-0', gracePeriodSeconds: 0, previousKeyExpiresAt: expiry },
      sentence: 'Alice Martin rotated the production API key CI key; the new one ends in x9Z2',
    },
    {
      data: { ...key, previousKeyId: 'key-0', gracePeriodSeconds: 3600, previousKeyExpiresAt: expiry },
      sentence: `Alice Martin rotated the production API key CI key; the new one ends in x9Z2, the previous one works until ${new Date(expiry).toLocaleString()}`,
    },
  ],
  'key.revoked': [
    {
      data: { ...key, reason: 'revoked' },
      sentence: 'Alice Martin revoked the production API key CI key (portico_production_…x9Z2)',
    },
    {
      data: { ...key, reason: 'membership_ended' },
      sentence:
        "Alice Martin revoked the production API key CI key (portico_production_…x9Z2) because its creator's membership ended",
    },
  ],
  'developer.provisioned': [
    {
      actor: portico,
      data: { developerId: 'org-1', provider: 'api7' },
      sentence: 'Portico provisioned the developer identity in the API7 Developer Portal',
    },
  ],
  'developer.provisioning_failed': [
    {
      actor: portico,
      data: {
        developerId: 'org-1',
        provider: 'api7',
        attempt: 2,
        error: 'the provider portal answered 500 to creating the developer',
      },
      sentence:
        'Provisioning the developer identity in the API7 Developer Portal failed (attempt 2): the provider portal answered 500 to creating the developer',
    },
  ],
  'webhook.created': [
    { data: hook, sentence: 'Alice Martin added the webhook https://hooks.example.com/portico' },
  ],
  'webhook.updated': [
    {
      data: { before: hook, after: hook, secretRotated: true },
      sentence: 'Alice Martin rotated the secret of the webhook https://hooks.example.com/portico',
    },
    {
      actor: portico,
      data: { before: hook, after: { ...hook, enabled: false }, secretRotated: false },
      sentence: 'Portico disabled the webhook https://hooks.example.com/portico',
    },
    {
      data: { before: { ...hook, enabled: false }, after: hook, secretRotated: false },
      sentence: 'Alice Martin enabled the webhook https://hooks.example.com/portico',
    },
    {
      data: { before: hook, after: { ...hook, events: ['member.*', 'key.revoked'] }, secretRotated: false },
      sentence:
        'Alice Martin changed the webhook https://hooks.example.com/portico: events from member.* to member.* and key.revoked',
    },
  ],
  'webhook.deleted': [
    {
      data: { url: hook.url },
      sentence: 'Alice Martin deleted the webhook https://hooks.example.com/portico',
    },
  ],
}

describe('the sentence of each event type', () => {
  it('has a case for every type of the catalog', () => {
    expect(Object.keys(cases).sort()).toEqual([...eventTypes].sort())
  })

  const rows = (
    Object.entries(cases) as [EventType, { actor?: Actor; data: unknown; sentence: string }[]][]
  ).flatMap(([type, list]) =>
    list.map(({ actor, data, sentence }) => [type, sentence, actor ?? alice, data] as const),
  )
  it.each(rows)('%s: %s', (type, sentence, actor, data) => {
    expect(describeEvent({ type, data, actor }, titleOf)).toBe(sentence)
  })
})
