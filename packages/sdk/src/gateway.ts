// The gateway helper: asks Portico whether a client's request may pass (GET /v1/gateway/authorize,
// API.md "Gateways"), the way nginx's auth_request or Caddy's forward_auth would, for gateways
// written in JavaScript. A refusal is an answer, not an error: only a wrong gateway token throws.
import { PorticoError, problemOf } from './errors.ts'
import { type HeaderBag, headerOf } from './headers.ts'

/** The request a gateway guards: a fetch `Request`, or its method, URL and headers. */
export interface GuardedRequest {
  method: string
  /** The path and query the client asked for (an absolute URL is read for them). */
  url: string
  /** The client's headers; its key is read from X-API-Key, apikey or Authorization: Bearer. */
  headers?: HeaderBag
}

export interface RateLimitState {
  limit: number
  remaining: number
  /** Seconds until the window ends. */
  reset: number
}

export type Authorization =
  | {
      allowed: true
      organizationId: string
      developerId: string
      applicationId: string
      keyId: string
      environment: string
      apiId: string
      rateLimit?: RateLimitState
    }
  | {
      allowed: false
      status: number
      /** `key_missing`, `unknown`, `revoked`, `expired`, `no_api`, `not_subscribed`, `wrong_environment`, `rate_limited` */
      code: string
      detail: string
      /** rate_limited: seconds until the plan's window ends. */
      retryAfterSeconds?: number
    }

const KEY_HEADERS = ['x-api-key', 'apikey', 'authorization']
/** The refusals that are decisions about the client's request (any other refusal is the gateway's). */
const DECISIONS = new Set([
  'key_missing',
  'unknown',
  'revoked',
  'expired',
  'no_api',
  'not_subscribed',
  'wrong_environment',
  'rate_limited',
])

function pathOf(url: string): string {
  if (!/^[a-z][a-z0-9+.-]*:/i.test(url)) return url
  const parsed = new URL(url)
  return `${parsed.pathname}${parsed.search}`
}

export async function authorizeRequest(
  fetchOnce: (request: Request) => Promise<Response>,
  baseUrl: string,
  gatewayToken: string,
  request: GuardedRequest,
  environment?: string,
): Promise<Authorization> {
  const headers = new Headers({
    'x-gateway-token': gatewayToken,
    'x-original-uri': pathOf(request.url),
    'x-original-method': request.method,
  })
  for (const name of KEY_HEADERS) {
    const value = headerOf(request.headers, name)
    if (value !== undefined) headers.set(name, value)
  }
  // The gateway's own environment, never the client's (a client could claim any).
  if (environment !== undefined) headers.set('x-portico-environment', environment)
  const response = await fetchOnce(new Request(new URL('/v1/gateway/authorize', baseUrl), { headers }))
  const answer = response.headers
  if (response.ok) {
    await response.body?.cancel()
    const limit = answer.get('ratelimit-limit')
    return {
      allowed: true,
      organizationId: answer.get('x-portico-organization-id') ?? '',
      developerId: answer.get('x-portico-developer-id') ?? '',
      applicationId: answer.get('x-portico-application-id') ?? '',
      keyId: answer.get('x-portico-key-id') ?? '',
      environment: answer.get('x-portico-environment') ?? '',
      apiId: answer.get('x-portico-api-id') ?? '',
      ...(limit === null
        ? {}
        : {
            rateLimit: {
              limit: Number(limit),
              remaining: Number(answer.get('ratelimit-remaining')),
              reset: Number(answer.get('ratelimit-reset')),
            },
          }),
    }
  }
  const text = await response.text()
  const problem = problemOf(text === '' ? undefined : JSON.parse(text))
  const code = answer.get('x-portico-code') ?? problem.code ?? ''
  // Not a decision: the gateway itself was refused (its token), which no client can fix.
  if (!DECISIONS.has(code)) throw new PorticoError(response.status, problem)
  const retryAfter = answer.get('retry-after')
  return {
    allowed: false,
    status: response.status,
    code,
    detail: problem.detail ?? '',
    ...(retryAfter === null ? {} : { retryAfterSeconds: Number(retryAfter) }),
  }
}
