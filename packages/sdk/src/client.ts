// The Portico client: openapi-fetch over the generated types (every operation, typed, at `api`),
// and a thin layer over it for the common work — methods that return the answer's data or throw a
// PorticoError, lists as async sequences over their cursor pages, retries of 429/503, and the
// gateway's authorize.
import createClient, { type Client } from 'openapi-fetch'
import type { operations, paths } from './api-types.ts'
import { PorticoError, problemOf } from './errors.ts'
import { type Authorization, authorizeRequest, type GuardedRequest } from './gateway.ts'
import { eachItem } from './pages.ts'
import { type RetryOptions, retryingFetch } from './retries.ts'

export interface PorticoOptions extends RetryOptions {
  /** Where Portico answers, e.g. `https://portico.example.com`. */
  baseUrl: string
  /** A session token (from sign-in) or another bearer token, sent as `Authorization: Bearer`. */
  token?: string
  /** A console session cookie's value, sent as the `portico_session` cookie (with a matching Origin). */
  sessionCookie?: string
  /** A GATEWAY_TOKEN, for `authorize` and `keys.verify`. */
  gatewayToken?: string
  /** The environment the gateway serves (`X-Portico-Environment`), for `authorize`. */
  gatewayEnvironment?: string
  /** A fetch to use instead of the global one. */
  fetch?: (request: Request) => Promise<Response>
}

type Json<Id extends keyof operations, Status extends number> = operations[Id]['responses'] extends {
  [S in Status]: { content: { 'application/json': infer Body } }
}
  ? Body
  : never
type ItemOf<Id extends keyof operations> = Json<Id, 200> extends { items: (infer Item)[] } ? Item : never
type BodyOf<Id extends keyof operations> = operations[Id] extends {
  requestBody: { content: { 'application/json': infer Body } }
}
  ? Body
  : operations[Id] extends { requestBody?: { content: { 'application/json': infer Body } } }
    ? Body
    : never
type QueryOf<Id extends keyof operations> = NonNullable<operations[Id]['parameters']['query']>

export type Me = Json<'getMe', 200>
export type SignedIn = Json<'signIn', 200>
export type Organization = Json<'getOrganization', 200>
export type MyOrganization = ItemOf<'listOrganizations'>
export type Member = ItemOf<'listMembers'>
export type Role = ItemOf<'listRoles'>
export type Invitation = ItemOf<'listInvitations'>
export type InvitationPreview = Json<'previewInvitation', 200>
export type Api = ItemOf<'listApis'>
export type Plan = ItemOf<'listPlans'>
export type Environment = ItemOf<'listEnvironments'>
export type Application = ItemOf<'listApplications'>
export type Subscription = ItemOf<'listSubscriptions'>
export type Key = ItemOf<'listKeys'>
export type KeyWithSecret = Json<'createKey', 201>
export type Webhook = ItemOf<'listWebhooks'>
export type WebhookWithSecret = Json<'createWebhook', 201>
export type Delivery = ItemOf<'listWebhookDeliveries'>
export type AuditEvent = ItemOf<'listAuditEvents'>
export type AuditChain = Json<'verifyAuditChain', 200>
export type KeyVerification = Json<'verifyKey', 200>

type Answer<T> = { data?: T; error?: unknown; response: Response }

/** The data of a successful answer; a PorticoError for any other. */
async function ok<T>(pending: Promise<Answer<T>>): Promise<T> {
  const { data, error, response } = await pending
  if (!response.ok) throw new PorticoError(response.status, problemOf(error))
  return data as T
}

/** The lines of a streamed text answer, as they arrive. */
async function* linesOf(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder()
  let rest = ''
  for await (const chunk of body) {
    const lines = (rest + decoder.decode(chunk, { stream: true })).split('\n')
    rest = lines.pop() ?? ''
    yield* lines
  }
  if (rest !== '') yield rest
}

type Paging = { limit?: number }

export function createPortico(options: PorticoOptions) {
  const fetchOnce = options.fetch ?? ((request: Request) => fetch(request))
  const headers: Record<string, string> = {}
  if (options.token) headers.authorization = `Bearer ${options.token}`
  if (options.sessionCookie) {
    headers.cookie = `portico_session=${options.sessionCookie}`
    // Cookie-authenticated writes must show they come from Portico's own origin (CSRF).
    headers.origin = new URL(options.baseUrl).origin
  }
  const api: Client<paths> = createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/$/, ''),
    headers,
    fetch: retryingFetch(fetchOnce, options),
  })
  const org = (org: string) => ({ path: { org } })

  return {
    /** Every operation of the OpenAPI document, typed (openapi-fetch): `api.GET('/v1/me')`. */
    api,

    /** The same client with another bearer token (after sign-in). */
    withToken: (token: string) => createPortico({ ...options, token, sessionCookie: undefined }),

    auth: {
      signUp: (body: BodyOf<'signUp'>) => ok(api.POST('/v1/auth/sign-up', { body })),
      signIn: (body: BodyOf<'signIn'>) => ok(api.POST('/v1/auth/sign-in', { body })),
      signOut: () => ok(api.POST('/v1/auth/sign-out')),
    },

    me: {
      get: () => ok(api.GET('/v1/me')),
      switchOrganization: (organizationId: string) =>
        ok(api.PUT('/v1/me/active-organization', { body: { organizationId } })),
      invitations: () => ok(api.GET('/v1/me/invitations')),
    },

    organizations: {
      list: (query: Paging = {}) =>
        eachItem((cursor) => ok(api.GET('/v1/organizations', { params: { query: { ...query, cursor } } }))),
      create: (body: BodyOf<'createOrganization'>) => ok(api.POST('/v1/organizations', { body })),
      get: (id: string) => ok(api.GET('/v1/organizations/{org}', { params: org(id) })),
      update: (id: string, body: BodyOf<'updateOrganization'>) =>
        ok(api.PATCH('/v1/organizations/{org}', { params: org(id), body })),
      delete: (id: string) => ok(api.DELETE('/v1/organizations/{org}', { params: org(id) })),
    },

    members: {
      list: (id: string, query: Omit<QueryOf<'listMembers'>, 'cursor'> = {}) =>
        eachItem((cursor) =>
          ok(
            api.GET('/v1/organizations/{org}/members', {
              params: { ...org(id), query: { ...query, cursor } },
            }),
          ),
        ),
      setRoles: (id: string, userId: string, roles: BodyOf<'setMemberRoles'>['roles']) =>
        ok(
          api.PATCH('/v1/organizations/{org}/members/{userId}', {
            params: { path: { org: id, userId } },
            body: { roles },
          }),
        ),
      remove: (id: string, userId: string, query: QueryOf<'removeMember'> = {}) =>
        ok(
          api.DELETE('/v1/organizations/{org}/members/{userId}', {
            params: { path: { org: id, userId }, query },
          }),
        ),
      roles: (id: string) => ok(api.GET('/v1/organizations/{org}/roles', { params: org(id) })),
    },

    invitations: {
      create: (id: string, body: BodyOf<'createInvitation'>) =>
        ok(api.POST('/v1/organizations/{org}/invitations', { params: org(id), body })),
      list: (id: string, query: Omit<QueryOf<'listInvitations'>, 'cursor'> = {}) =>
        eachItem((cursor) =>
          ok(
            api.GET('/v1/organizations/{org}/invitations', {
              params: { ...org(id), query: { ...query, cursor } },
            }),
          ),
        ),
      resend: (id: string, invitationId: string) =>
        ok(
          api.POST('/v1/organizations/{org}/invitations/{id}/resend', {
            params: { path: { org: id, id: invitationId } },
          }),
        ),
      revoke: (id: string, invitationId: string) =>
        ok(
          api.DELETE('/v1/organizations/{org}/invitations/{id}', {
            params: { path: { org: id, id: invitationId } },
          }),
        ),
      preview: (token: string) => ok(api.GET('/v1/invitations/{token}', { params: { path: { token } } })),
      accept: (token: string) =>
        ok(api.POST('/v1/invitations/{token}/accept', { params: { path: { token } } })),
      decline: (token: string) =>
        ok(api.POST('/v1/invitations/{token}/decline', { params: { path: { token } } })),
    },

    apis: {
      list: (id: string, query: Paging = {}) =>
        eachItem((cursor) =>
          ok(
            api.GET('/v1/organizations/{org}/apis', { params: { ...org(id), query: { ...query, cursor } } }),
          ),
        ),
      create: (id: string, body: BodyOf<'createApi'>) =>
        ok(api.POST('/v1/organizations/{org}/apis', { params: org(id), body })),
      get: (id: string, apiId: string) =>
        ok(api.GET('/v1/organizations/{org}/apis/{id}', { params: { path: { org: id, id: apiId } } })),
      publish: (id: string, apiId: string) =>
        ok(
          api.POST('/v1/organizations/{org}/apis/{id}/publish', { params: { path: { org: id, id: apiId } } }),
        ),
      deprecate: (id: string, apiId: string) =>
        ok(
          api.POST('/v1/organizations/{org}/apis/{id}/deprecate', {
            params: { path: { org: id, id: apiId } },
          }),
        ),
      delete: (id: string, apiId: string) =>
        ok(api.DELETE('/v1/organizations/{org}/apis/{id}', { params: { path: { org: id, id: apiId } } })),
      plans: (id: string, apiId: string) =>
        ok(api.GET('/v1/organizations/{org}/apis/{id}/plans', { params: { path: { org: id, id: apiId } } })),
      replacePlans: (id: string, apiId: string, items: BodyOf<'replacePlans'>['items']) =>
        ok(
          api.PUT('/v1/organizations/{org}/apis/{id}/plans', {
            params: { path: { org: id, id: apiId } },
            body: { items },
          }),
        ),
    },

    environments: {
      list: (id: string) => ok(api.GET('/v1/organizations/{org}/environments', { params: org(id) })),
    },

    applications: {
      list: (id: string, query: Paging = {}) =>
        eachItem((cursor) =>
          ok(
            api.GET('/v1/organizations/{org}/applications', {
              params: { ...org(id), query: { ...query, cursor } },
            }),
          ),
        ),
      create: (id: string, body: BodyOf<'createApplication'>) =>
        ok(api.POST('/v1/organizations/{org}/applications', { params: org(id), body })),
      get: (id: string, applicationId: string) =>
        ok(
          api.GET('/v1/organizations/{org}/applications/{id}', {
            params: { path: { org: id, id: applicationId } },
          }),
        ),
      delete: (id: string, applicationId: string) =>
        ok(
          api.DELETE('/v1/organizations/{org}/applications/{id}', {
            params: { path: { org: id, id: applicationId } },
          }),
        ),
      subscriptions: (id: string, applicationId: string) =>
        eachItem((cursor) =>
          ok(
            api.GET('/v1/organizations/{org}/applications/{id}/subscriptions', {
              params: { path: { org: id, id: applicationId }, query: { cursor } },
            }),
          ),
        ),
      subscribe: (id: string, applicationId: string, body: BodyOf<'createSubscription'>) =>
        ok(
          api.POST('/v1/organizations/{org}/applications/{id}/subscriptions', {
            params: { path: { org: id, id: applicationId } },
            body,
          }),
        ),
    },

    keys: {
      // One page: an application's keys are few.
      list: (id: string, applicationId: string) =>
        eachItem(() =>
          ok(
            api.GET('/v1/organizations/{org}/applications/{id}/keys', {
              params: { path: { org: id, id: applicationId } },
            }),
          ),
        ),
      /** The answer holds the key's `secret`, shown this once and never again. */
      create: (id: string, applicationId: string, body: BodyOf<'createKey'>) =>
        ok(
          api.POST('/v1/organizations/{org}/applications/{id}/keys', {
            params: { path: { org: id, id: applicationId } },
            body,
          }),
        ),
      rotate: (id: string, applicationId: string, keyId: string, body: BodyOf<'rotateKey'> = {}) =>
        ok(
          api.POST('/v1/organizations/{org}/applications/{id}/keys/{keyId}/rotate', {
            params: { path: { org: id, id: applicationId, keyId } },
            body,
          }),
        ),
      revoke: (id: string, applicationId: string, keyId: string) =>
        ok(
          api.DELETE('/v1/organizations/{org}/applications/{id}/keys/{keyId}', {
            params: { path: { org: id, id: applicationId, keyId } },
          }),
        ),
      /** Key verification for gateways (needs `gatewayToken`). */
      verify: (body: BodyOf<'verifyKey'>) =>
        ok(
          api.POST('/v1/keys/verify', {
            body,
            headers: { authorization: `Bearer ${options.gatewayToken ?? ''}` },
          }),
        ),
    },

    audit: {
      list: (id: string, query: Omit<QueryOf<'listAuditEvents'>, 'cursor'> = {}) =>
        eachItem((cursor) =>
          ok(
            api.GET('/v1/organizations/{org}/audit-events', {
              params: { ...org(id), query: { ...query, cursor } },
            }),
          ),
        ),
      /** The export, line by line as it streams: NDJSON (one AuditEvent a line) or CSV (a header first). */
      export: async function* (id: string, query: QueryOf<'exportAuditEvents'> = {}): AsyncGenerator<string> {
        const body = await ok(
          api.GET('/v1/organizations/{org}/audit-events/export', {
            params: { ...org(id), query },
            parseAs: 'stream',
          }),
        )
        if (body) yield* linesOf(body)
      },
      verify: (id: string) => ok(api.GET('/v1/organizations/{org}/audit-events/verify', { params: org(id) })),
    },

    webhooks: {
      list: (id: string, query: Paging = {}) =>
        eachItem((cursor) =>
          ok(
            api.GET('/v1/organizations/{org}/webhooks', {
              params: { ...org(id), query: { ...query, cursor } },
            }),
          ),
        ),
      /** The answer holds the endpoint's `secret`, shown this once. */
      create: (id: string, body: BodyOf<'createWebhook'>) =>
        ok(api.POST('/v1/organizations/{org}/webhooks', { params: org(id), body })),
      test: (id: string, webhookId: string) =>
        ok(
          api.POST('/v1/organizations/{org}/webhooks/{id}/test', {
            params: { path: { org: id, id: webhookId } },
          }),
        ),
      deliveries: (
        id: string,
        webhookId: string,
        query: Omit<QueryOf<'listWebhookDeliveries'>, 'cursor'> = {},
      ) =>
        eachItem((cursor) =>
          ok(
            api.GET('/v1/organizations/{org}/webhooks/{id}/deliveries', {
              params: { path: { org: id, id: webhookId }, query: { ...query, cursor } },
            }),
          ),
        ),
    },

    /**
     * May this client request pass? Asks GET /v1/gateway/authorize with `gatewayToken`; answers
     * the decision (a refusal included) without retrying a 429: a rate limit is a decision here.
     */
    authorize: (request: GuardedRequest): Promise<Authorization> =>
      authorizeRequest(
        fetchOnce,
        options.baseUrl,
        options.gatewayToken ?? '',
        request,
        options.gatewayEnvironment,
      ),
  }
}

export type Portico = ReturnType<typeof createPortico>
