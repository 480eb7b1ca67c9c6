// The console's API client. Every shape is the Static type of the TypeBox schema the server
// validates and documents with (the same source as /openapi.json), so the console cannot drift
// from the contract unnoticed. Requests ride on the session cookie; errors are problem documents.
import type { Static } from 'typebox'
import type {
  AuditEventSchema,
  ChainVerificationSchema,
} from '../../../src/http/routes/audit-events.schemas.ts'
import type { DeveloperSchema } from '../../../src/http/routes/developers.schemas.ts'
import type { PlanSchema, UsageSchema } from '../../../src/http/routes/gateway.schemas.ts'
import type { MeSchema, SessionsSchema, SignedInSchema } from '../../../src/http/routes/identity.schemas.ts'
import type {
  InvitationPreviewSchema,
  InvitationSchema,
  MyInvitationSchema,
} from '../../../src/http/routes/invitations.schemas.ts'
import type {
  HandleAvailabilitySchema,
  MemberSchema,
  OrganizationCreationAllowanceSchema,
  OrganizationSchema,
  RoleSchema,
} from '../../../src/http/routes/organizations.schemas.ts'
import type {
  ApiSchema,
  ApplicationSchema,
  EnvironmentSchema,
  KeySchema,
  KeyWithSecretSchema,
  SubscriptionSchema,
} from '../../../src/http/routes/portal.schemas.ts'
import type {
  DeliverySchema,
  WebhookSchema,
  WebhookWithSecretSchema,
} from '../../../src/http/routes/webhooks.schemas.ts'

export type Me = Static<typeof MeSchema>
export type SignedIn = Static<typeof SignedInSchema>
export type Session = Static<typeof SessionsSchema>['items'][number]
export type Organization = Static<typeof OrganizationSchema>
export type HandleAvailability = Static<typeof HandleAvailabilitySchema>
export type OrganizationCreationAllowance = Static<typeof OrganizationCreationAllowanceSchema>
export type Member = Static<typeof MemberSchema>
export type Role = Static<typeof RoleSchema>
export type Invitation = Static<typeof InvitationSchema>
export type MyInvitation = Static<typeof MyInvitationSchema>
export type InvitationPreview = Static<typeof InvitationPreviewSchema>
export type Api = Static<typeof ApiSchema>
export type Environment = Static<typeof EnvironmentSchema>
export type Application = Static<typeof ApplicationSchema>
export type Subscription = Static<typeof SubscriptionSchema>
export type Key = Static<typeof KeySchema>
export type KeyWithSecret = Static<typeof KeyWithSecretSchema>
export type Plan = Static<typeof PlanSchema>
export type UsageBucket = Static<typeof UsageSchema>['items'][number]
export type UsageOutcome = UsageBucket['outcome']
export type AuditEvent = Static<typeof AuditEventSchema>
export type ChainVerification = Static<typeof ChainVerificationSchema>
export type Webhook = Static<typeof WebhookSchema>
export type WebhookWithSecret = Static<typeof WebhookWithSecretSchema>
export type Delivery = Static<typeof DeliverySchema>
export type Developer = Static<typeof DeveloperSchema>
/** The audit log's filters (API.md): a type or prefix, who did it, and a time range. */
export interface AuditEventFilter {
  type?: string
  actorId?: string
  since?: string
  until?: string
}
export interface Page<T> {
  items: T[]
  nextCursor: string | null
}

/** The largest page the API serves (API.md: `limit` 1..100). */
const PAGE_SIZE = '100'

/**
 * Every item of a list, page after page by its cursor: for what needs the whole list (a picker,
 * a lookup table). A page that shows a list pages it with Show more instead.
 */
export async function everyPage<T>(page: (cursor?: string) => Promise<Page<T>>): Promise<Page<T>> {
  const items: T[] = []
  let cursor: string | undefined
  do {
    const next = await page(cursor)
    items.push(...next.items)
    cursor = next.nextCursor ?? undefined
  } while (cursor)
  return { items, nextCursor: null }
}

export interface Problem {
  status: number
  code: string
  detail: string
  permission?: string
  errors?: { in: string; path: string; message: string }[]
}

export class ApiError extends Error {
  readonly problem: Problem
  constructor(problem: Problem) {
    super(problem.detail)
    this.problem = problem
  }
  /** The message for one field, if the server named it. */
  field(path: string): string | undefined {
    return this.problem.errors?.find((error) => error.path === path)?.message
  }
}

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, credentials: 'same-origin', headers: {} }
  if (body instanceof Blob) {
    init.body = body
    init.headers = { 'content-type': body.type }
  } else if (body !== undefined) {
    init.body = JSON.stringify(body)
    init.headers = { 'content-type': 'application/json' }
  }
  let response: Response
  try {
    response = await fetch(path, init)
  } catch {
    throw new ApiError({ status: 0, code: 'unreachable', detail: 'Portico could not be reached' })
  }
  const text = await response.text()
  if (!response.ok) {
    // A problem document from Portico, or whatever a proxy in between answered (HTML, text, nothing).
    let parsed: Problem | undefined
    try {
      parsed = text ? (JSON.parse(text) as Problem) : undefined
    } catch {}
    throw new ApiError(
      parsed?.code
        ? parsed
        : { status: response.status, code: 'error', detail: `the server answered ${response.status}` },
    )
  }
  return (text ? JSON.parse(text) : undefined) as T
}

const org = (ref: string) => `/v1/organizations/${encodeURIComponent(ref)}`

/** The query string of the given parameters that have a value. */
function query(parameters: Record<string, string | undefined>): string {
  const params = new URLSearchParams()
  for (const [name, value] of Object.entries(parameters)) if (value) params.set(name, value)
  return params.toString()
}

/** Where the browser downloads the audit log (a plain link: the session cookie goes with it). */
export function auditExportUrl(
  ref: string,
  format: 'ndjson' | 'csv',
  range: { since?: string; until?: string },
): string {
  return `${org(ref)}/audit-events/export?${query({ format, ...range })}`
}

export const api = {
  me: () => request<Me>('GET', '/v1/me'),
  signIn: (email: string, password: string) =>
    request<SignedIn>('POST', '/v1/auth/sign-in', { email, password }),
  signUp: (body: { email: string; password: string; name: string; invitationToken?: string }) =>
    request<SignedIn>('POST', '/v1/auth/sign-up', body),
  signOut: () => request<void>('POST', '/v1/auth/sign-out'),
  sessions: () => request<{ items: Session[] }>('GET', '/v1/me/sessions'),
  endSession: (id: string) => request<void>('DELETE', `/v1/me/sessions/${encodeURIComponent(id)}`),
  requestPasswordReset: (email: string) => request<void>('POST', '/v1/auth/password-reset', { email }),
  confirmPasswordReset: (token: string, password: string) =>
    request<void>('POST', '/v1/auth/password-reset/confirm', { token, password }),
  resendEmailVerification: () => request<void>('POST', '/v1/auth/email-verification'),
  confirmEmail: (token: string) =>
    request<{ user: Me['user'] }>('POST', '/v1/auth/email-verification/confirm', { token }),
  switchOrganization: (organizationId: string) =>
    request<{ activeOrganizationId: string }>('PUT', '/v1/me/active-organization', { organizationId }),
  myInvitations: () => request<Page<MyInvitation>>('GET', '/v1/me/invitations'),
  acceptMyInvitation: (id: string) =>
    request<{ organization: Organization; member: Member }>('POST', `/v1/me/invitations/${id}/accept`),
  declineMyInvitation: (id: string) => request<void>('POST', `/v1/me/invitations/${id}/decline`),
  organizationCreationAllowance: () =>
    request<OrganizationCreationAllowance>('GET', '/v1/me/organization-limit'),
  handleAvailability: (handle: string) =>
    request<HandleAvailability>('GET', `/v1/handle-availability?${query({ handle })}`),

  createOrganization: (body: { name: string; handle?: string }) =>
    request<Organization>('POST', '/v1/organizations', body),
  organization: (ref: string) => request<Organization>('GET', org(ref)),
  renameOrganization: (ref: string, name: string) => request<Organization>('PATCH', org(ref), { name }),
  deleteOrganization: (ref: string) => request<void>('DELETE', org(ref)),
  uploadLogo: (ref: string, file: File) => request<Organization>('PUT', `${org(ref)}/logo`, file),
  removeLogo: (ref: string) => request<void>('DELETE', `${org(ref)}/logo`),

  members: (ref: string, filter: { q?: string; cursor?: string; limit?: number }) =>
    request<Page<Member>>(
      'GET',
      `${org(ref)}/members?${query({ q: filter.q, cursor: filter.cursor, limit: filter.limit?.toString() })}`,
    ),
  everyMember: (ref: string) => everyPage((cursor) => api.members(ref, { cursor, limit: Number(PAGE_SIZE) })),
  changeRoles: (ref: string, userId: string, roles: Member['roles']) =>
    request<Member>('PATCH', `${org(ref)}/members/${userId}`, { roles }),
  removeMember: (ref: string, userId: string) => request<void>('DELETE', `${org(ref)}/members/${userId}`),
  roles: (ref: string) => request<Page<Role>>('GET', `${org(ref)}/roles`),

  invitations: (ref: string, filter: { status?: Invitation['status']; cursor?: string }) =>
    request<Page<Invitation>>('GET', `${org(ref)}/invitations?${query(filter)}`),
  invite: (ref: string, email: string, roles: Invitation['roles']) =>
    request<Invitation>('POST', `${org(ref)}/invitations`, { email, roles }),
  resendInvitation: (ref: string, id: string) =>
    request<Invitation>('POST', `${org(ref)}/invitations/${id}/resend`),
  revokeInvitation: (ref: string, id: string) => request<void>('DELETE', `${org(ref)}/invitations/${id}`),
  previewInvitation: (token: string) =>
    request<InvitationPreview>('GET', `/v1/invitations/${encodeURIComponent(token)}`),
  acceptInvitation: (token: string) =>
    request<{ organization: Organization; member: Member }>(
      'POST',
      `/v1/invitations/${encodeURIComponent(token)}/accept`,
    ),
  declineInvitation: (token: string) =>
    request<void>('POST', `/v1/invitations/${encodeURIComponent(token)}/decline`),

  apis: (ref: string, cursor?: string) =>
    request<Page<Api>>('GET', `${org(ref)}/apis?${query({ cursor, limit: PAGE_SIZE })}`),
  everyApi: (ref: string) => everyPage((cursor) => api.apis(ref, cursor)),
  createApi: (ref: string, body: { name: string; version: string; basePath: string; description?: string }) =>
    request<Api>('POST', `${org(ref)}/apis`, body),
  setApiStatus: (ref: string, id: string, action: 'publish' | 'deprecate') =>
    request<Api>('POST', `${org(ref)}/apis/${id}/${action}`),
  deleteApi: (ref: string, id: string) => request<void>('DELETE', `${org(ref)}/apis/${id}`),
  updateApi: (
    ref: string,
    id: string,
    body: { name?: string; version?: string; basePath?: string; description?: string },
  ) => request<Api>('PATCH', `${org(ref)}/apis/${id}`, body),
  // Environments and keys come whole (the server does not page them).
  environments: (ref: string) => request<Page<Environment>>('GET', `${org(ref)}/environments`),
  createEnvironment: (ref: string, name: string) =>
    request<Environment>('POST', `${org(ref)}/environments`, { name }),
  renameEnvironment: (ref: string, id: string, name: string) =>
    request<Environment>('PATCH', `${org(ref)}/environments/${id}`, { name }),
  deleteEnvironment: (ref: string, id: string) => request<void>('DELETE', `${org(ref)}/environments/${id}`),
  applications: (ref: string, cursor?: string) =>
    request<Page<Application>>('GET', `${org(ref)}/applications?${query({ cursor, limit: PAGE_SIZE })}`),
  application: (ref: string, id: string) => request<Application>('GET', `${org(ref)}/applications/${id}`),
  createApplication: (ref: string, body: { name: string; description?: string }) =>
    request<Application>('POST', `${org(ref)}/applications`, body),
  deleteApplication: (ref: string, id: string) => request<void>('DELETE', `${org(ref)}/applications/${id}`),
  subscriptions: (ref: string, applicationId: string) =>
    everyPage((cursor) =>
      request<Page<Subscription>>(
        'GET',
        `${org(ref)}/applications/${applicationId}/subscriptions?${query({ cursor, limit: PAGE_SIZE })}`,
      ),
    ),
  subscribe: (ref: string, applicationId: string, body: { apiId: string; plan?: string }) =>
    request<Subscription>('POST', `${org(ref)}/applications/${applicationId}/subscriptions`, body),
  api: (ref: string, id: string) => request<Api>('GET', `${org(ref)}/apis/${id}`),
  plans: (ref: string, apiId: string) => request<{ items: Plan[] }>('GET', `${org(ref)}/apis/${apiId}/plans`),
  replacePlans: (ref: string, apiId: string, items: Plan[]) =>
    request<{ items: Plan[] }>('PUT', `${org(ref)}/apis/${apiId}/plans`, { items }),
  usage: (
    ref: string,
    applicationId: string,
    range: { from: string; to: string; granularity: 'hour' | 'day' },
  ) =>
    request<{ items: UsageBucket[] }>(
      'GET',
      `${org(ref)}/applications/${applicationId}/usage?${query(range)}`,
    ),
  unsubscribe: (ref: string, applicationId: string, id: string) =>
    request<void>('DELETE', `${org(ref)}/applications/${applicationId}/subscriptions/${id}`),
  keys: (ref: string, applicationId: string) =>
    request<Page<Key>>('GET', `${org(ref)}/applications/${applicationId}/keys`),
  createKey: (ref: string, applicationId: string, body: { environment: string; name?: string }) =>
    request<KeyWithSecret>('POST', `${org(ref)}/applications/${applicationId}/keys`, body),
  rotateKey: (ref: string, applicationId: string, keyId: string, gracePeriodSeconds: number) =>
    request<KeyWithSecret>('POST', `${org(ref)}/applications/${applicationId}/keys/${keyId}/rotate`, {
      gracePeriodSeconds,
    }),
  revokeKey: (ref: string, applicationId: string, keyId: string) =>
    request<void>('DELETE', `${org(ref)}/applications/${applicationId}/keys/${keyId}`),

  auditEvents: (ref: string, filter: AuditEventFilter, cursor?: string) =>
    request<Page<AuditEvent>>('GET', `${org(ref)}/audit-events?${query({ ...filter, cursor, limit: '50' })}`),
  verifyAuditChain: (ref: string) => request<ChainVerification>('GET', `${org(ref)}/audit-events/verify`),

  webhooks: (ref: string, cursor?: string) =>
    request<Page<Webhook>>('GET', `${org(ref)}/webhooks?${query({ cursor, limit: PAGE_SIZE })}`),
  webhook: (ref: string, id: string) => request<Webhook>('GET', `${org(ref)}/webhooks/${id}`),
  createWebhook: (ref: string, body: { url: string; events: string[]; description?: string }) =>
    request<WebhookWithSecret>('POST', `${org(ref)}/webhooks`, body),
  updateWebhook: (
    ref: string,
    id: string,
    body: { url?: string; events?: string[]; description?: string; enabled?: boolean },
  ) => request<Webhook>('PATCH', `${org(ref)}/webhooks/${id}`, body),
  deleteWebhook: (ref: string, id: string) => request<void>('DELETE', `${org(ref)}/webhooks/${id}`),
  rotateWebhookSecret: (ref: string, id: string) =>
    request<WebhookWithSecret>('POST', `${org(ref)}/webhooks/${id}/rotate-secret`),
  sendTestEvent: (ref: string, id: string) => request<void>('POST', `${org(ref)}/webhooks/${id}/test`),
  deliveries: (ref: string, id: string, cursor?: string) =>
    request<Page<Delivery>>('GET', `${org(ref)}/webhooks/${id}/deliveries?${query({ cursor, limit: '50' })}`),
  retryDelivery: (ref: string, id: string, deliveryId: string) =>
    request<void>('POST', `${org(ref)}/webhooks/${id}/deliveries/${deliveryId}/retry`),

  developer: (ref: string) => request<Developer>('GET', `${org(ref)}/developer`),
  syncDeveloper: (ref: string) => request<void>('POST', `${org(ref)}/developer/sync`),
}
