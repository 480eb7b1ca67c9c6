// The gateway's two calls, as answers independent of Fastify: GET /v1/gateway/authorize (headers
// in, status and X-Portico-* headers out) and POST /v1/keys/verify's body. routes/gateway.routes.ts
// serves them through Fastify (OpenAPI, inject), and leanGatewayHandler serves the same answers
// straight from node:http, before Fastify's pipeline, for the gateways' traffic (see the README,
// *Gateways*, for what that costs and saves).
import { hash, timingSafeEqual } from 'node:crypto'
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import type { FastifyError } from 'fastify'
import type { Logger } from 'pino'
import { DomainError } from '../domain/errors.ts'
import type { KeyAccess, KeyRefusal, RateLimitState } from '../domain/key-access.ts'
import type { GatewayAccess, KeyVerifier } from '../services/credentials/key-verifier.ts'
import { domainErrorOf, problemOf } from './error-handler.ts'
import { requestIdOf } from './logging.ts'

const digest = (text: string) => hash('sha256', text, 'buffer')

/** The configured GATEWAY_TOKENs, compared in constant time. */
export class GatewayTokens {
  readonly #expected: Buffer[]

  constructor(tokens: readonly string[]) {
    this.#expected = tokens.map(digest)
  }

  get configured(): boolean {
    return this.#expected.length > 0
  }

  accepts(presented: string | undefined): boolean {
    const given = digest(presented ?? '')
    let ok = false
    for (const token of this.#expected) ok = timingSafeEqual(token, given) || ok
    return ok && presented !== undefined
  }
}

export interface GatewayAnswer {
  status: number
  headers: Record<string, string>
  body: string
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name]
  const text = Array.isArray(value) ? value[0] : value
  return text === undefined || text === '' ? undefined : text
}

/** The client's key: `X-API-Key`, then `apikey`, then `Authorization: Bearer <key>`. */
export function keyOfHeaders(headers: IncomingHttpHeaders): string | undefined {
  const key = header(headers, 'x-api-key') ?? header(headers, 'apikey')
  if (key !== undefined) return key.trim()
  const authorization = header(headers, 'authorization')
  if (authorization === undefined) return undefined
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization)
  return match?.[1]
}

function rateLimitHeaders(headers: Record<string, string>, rateLimit: RateLimitState | undefined): void {
  if (!rateLimit) return
  headers['RateLimit-Limit'] = String(rateLimit.limit)
  headers['RateLimit-Remaining'] = String(rateLimit.remaining)
  headers['RateLimit-Reset'] = String(rateLimit.reset)
}

const refusalWords: Record<Exclude<GatewayAccess, { ok: true }>['code'], string> = {
  key_missing: 'no API key: send it in X-API-Key, apikey or Authorization: Bearer',
  unknown: 'this API key is not known',
  revoked: 'this API key is revoked',
  expired: 'this API key has expired',
  no_api: 'no API is served at this path',
  wrong_environment: "this key is for another environment than this gateway's",
  not_subscribed: "this key's application is not subscribed to this API",
  rate_limited: "this application has spent its plan's requests for now",
}

function refusal(
  code: string,
  status: number,
  message: string,
  extra: Record<string, string> = {},
): GatewayAnswer {
  const problem = problemOf(new DomainError(code as DomainError['code'], message))
  problem.status = status
  const headers: Record<string, string> = {
    'Content-Type': 'application/problem+json; charset=utf-8',
    'X-Portico-Code': code,
    ...extra,
  }
  if (status === 401) headers['WWW-Authenticate'] = 'ApiKey'
  return { status, headers, body: JSON.stringify(problem) }
}

/** GET /v1/gateway/authorize's answer to a decision. `denyStatus` 403 turns a 429 into a 403 (nginx). */
export function authorizationAnswer(access: GatewayAccess, denyStatus: number | undefined): GatewayAnswer {
  if (access.ok) {
    const { key } = access
    const headers: Record<string, string> = {
      'Content-Type': 'application/json; charset=utf-8',
      'X-Portico-Organization-Id': key.organizationId,
      'X-Portico-Developer-Id': key.organizationId,
      'X-Portico-Application-Id': key.applicationId,
      'X-Portico-Key-Id': key.keyId,
      'X-Portico-Environment': key.issuedEnvironment,
      'X-Portico-Api-Id': access.apiId ?? '',
    }
    rateLimitHeaders(headers, access.rateLimit)
    return { status: 200, headers, body: JSON.stringify(verificationBody(access)) }
  }
  if (access.code === 'rate_limited') {
    const extra: Record<string, string> = { 'Retry-After': String(access.retryAfterSeconds ?? 1) }
    rateLimitHeaders(extra, access.rateLimit)
    return refusal(access.code, denyStatus === 403 ? 403 : 429, refusalWords[access.code], extra)
  }
  const status =
    access.code === 'no_api' || access.code === 'not_subscribed' || access.code === 'wrong_environment'
      ? 403
      : 401
  return refusal(access.code, status, refusalWords[access.code])
}

export type Verification =
  | {
      valid: true
      organizationId: string
      developerId: string
      applicationId: string
      environment: string
      keyId: string
      apiId?: string
      rateLimit?: RateLimitState
    }
  | { valid: false; code: Exclude<KeyRefusal, 'no_api'>; rateLimit?: RateLimitState }

/** POST /v1/keys/verify's body for a decision. */
export function verificationBody(access: KeyAccess): Verification {
  if (!access.ok) {
    // A path is never given to verify, so no_api cannot come out of it.
    const code = access.code === 'no_api' ? 'not_subscribed' : access.code
    return access.rateLimit ? { valid: false, code, rateLimit: access.rateLimit } : { valid: false, code }
  }
  const { key } = access
  const body: Verification = {
    valid: true,
    organizationId: key.organizationId,
    developerId: key.organizationId,
    applicationId: key.applicationId,
    environment: key.issuedEnvironment,
    keyId: key.keyId,
  }
  if (access.apiId !== undefined) body.apiId = access.apiId
  if (access.rateLimit) body.rateLimit = access.rateLimit
  return body
}

/** The whole of GET /v1/gateway/authorize: synchronous when the answer is in memory. */
export function authorize(
  verifier: KeyVerifier,
  tokens: GatewayTokens,
  headers: IncomingHttpHeaders,
): GatewayAnswer | Promise<GatewayAnswer> {
  if (!tokens.accepts(header(headers, 'x-gateway-token'))) {
    return refusal(
      'unauthenticated',
      401,
      tokens.configured
        ? 'present a gateway token: X-Gateway-Token: <GATEWAY_TOKEN>'
        : 'gateway checks are off: no GATEWAY_TOKEN is configured',
    )
  }
  const deny = header(headers, 'x-portico-deny-status')
  const denyStatus = deny === '403' ? 403 : undefined
  const access = verifier.authorize({
    key: keyOfHeaders(headers),
    uri: header(headers, 'x-original-uri') ?? header(headers, 'x-forwarded-uri'),
    environment: header(headers, 'x-portico-environment'),
  })
  if (access instanceof Promise) return access.then((settled) => authorizationAnswer(settled, denyStatus))
  return authorizationAnswer(access, denyStatus)
}

function send(response: ServerResponse, answer: GatewayAnswer, always: Record<string, string>): void {
  response.writeHead(answer.status, { ...always, ...answer.headers })
  response.end(answer.body)
}

/** Whether `url` is `path`, with at most a trailing slash or a query after it. */
function isPath(url: string | undefined, path: string): boolean {
  if (url === undefined || !url.startsWith(path)) return false
  const rest = url.slice(path.length)
  return rest === '' || rest[0] === '?' || rest === '/' || rest.startsWith('/?')
}

const LEAN_BODY_LIMIT = 8192

/**
 * POST /v1/keys/verify on the lean path: the body read, parsed and validated against the route's
 * own schema (compiled with the same Ajv options), refusals translated by the error handler's own
 * function, so the answers are Fastify's. Only a request with the gateway token, a JSON content
 * type and a stated length up to 8 KiB comes here; anything else is left to Fastify.
 */
function verifyLean(
  verifier: KeyVerifier,
  request: IncomingMessage,
  validate: (body: unknown) => { errors?: unknown[] } | undefined,
): Promise<GatewayAnswer> {
  const problem = (error: DomainError): GatewayAnswer => {
    const document = problemOf(error)
    return {
      status: document.status,
      headers: { 'Content-Type': 'application/problem+json; charset=utf-8' },
      body: JSON.stringify(document),
    }
  }
  const answer = (access: KeyAccess): GatewayAnswer => ({
    status: 200,
    headers: { 'Content-Type': 'application/json; charset=utf-8' },
    body: JSON.stringify(verificationBody(access)),
  })
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('error', reject)
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      let body: unknown
      try {
        body = text.trim() === '' ? undefined : JSON.parse(text)
      } catch {
        const invalid = domainErrorOf({ code: 'FST_ERR_CTP_INVALID_JSON_BODY' } as FastifyError)
        return resolve(problem(invalid ?? new DomainError('validation_failed', 'the body is not valid JSON')))
      }
      const invalid = validate(body)
      if (invalid) {
        const error = domainErrorOf({
          validation: invalid.errors,
          validationContext: 'body',
        } as unknown as FastifyError)
        return resolve(problem(error ?? new DomainError('validation_failed', 'invalid input')))
      }
      const given = body as { key: string; apiId?: string; environment?: string }
      try {
        const access = verifier.verify(given.key, { apiId: given.apiId, environment: given.environment })
        if (access instanceof Promise) access.then((settled) => resolve(answer(settled)), reject)
        else resolve(answer(access))
      } catch (error) {
        reject(error)
      }
    })
  })
}

/** What the lean path needs besides the verifier: Fastify's per-request duties, done by hand. */
export interface LeanGatewayOptions {
  verifier: KeyVerifier
  tokens: GatewayTokens
  /** The headers Fastify's onSend hook puts on every answer (security-headers.ts). */
  always: Record<string, string>
  /** The verify route's body schema compiled as Fastify compiles it (undefined when valid, else the Ajv errors). */
  validateVerifyBody: () => (body: unknown) => { errors?: unknown[] } | undefined
  /** The process's logger: each request is logged as Fastify logs one (see logRequest). */
  logger: Logger
  /** Counts the answer in the request metrics, under the route's own pattern (metrics.ts). */
  observe: (method: string, route: string, status: number, seconds: number) => void
}

const AUTHORIZE = '/v1/gateway/authorize'
const VERIFY = '/v1/keys/verify'

/**
 * Serves GET /v1/gateway/authorize and POST /v1/keys/verify from node:http directly (no routing,
 * no hooks); answers true when it did. Everything else goes on to Fastify. What Fastify's pipeline
 * does for every request is done here by hand: the request id (kept when sane, answered as
 * x-request-id), the security headers, the request's two log lines at info (`incoming request`,
 * `request completed`, as Fastify writes them, the URL without its query so no key can reach the
 * log) and the request metrics under the route's pattern.
 */
export function leanGatewayHandler(
  options: LeanGatewayOptions,
): (request: IncomingMessage, response: ServerResponse) => boolean {
  const { verifier, tokens, always, logger, observe } = options
  return (request, response) => {
    let route: string
    let answer: GatewayAnswer | Promise<GatewayAnswer>
    const started = performance.now()
    const reqId = requestIdOf(request.headers)
    const logged = logger.isLevelEnabled('info')
    if (request.method === 'POST' && isPath(request.url, VERIFY)) {
      const length = Number(request.headers['content-length'])
      const bearer = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')
      if (
        !/^application\/json\s*(;|$)/i.test(request.headers['content-type'] ?? '') ||
        !(length >= 0 && length <= LEAN_BODY_LIMIT) ||
        request.headers['transfer-encoding'] !== undefined ||
        !tokens.accepts(bearer?.[1])
      ) {
        return false
      }
      route = VERIFY
      if (logged) logIncoming(logger, reqId, request)
      answer = verifyLean(verifier, request, options.validateVerifyBody())
    } else if (request.method === 'GET' && isPath(request.url, AUTHORIZE)) {
      route = AUTHORIZE
      try {
        answer = authorize(verifier, tokens, request.headers)
      } catch (error) {
        // Fastify answers (and logs) this one.
        logger.error({ reqId, err: error }, 'gateway check failed')
        return false
      }
      if (logged) logIncoming(logger, reqId, request)
    } else return false
    const headers = { ...always, 'x-request-id': reqId }
    const finish = (settled: GatewayAnswer): void => {
      send(response, settled, headers)
      const milliseconds = performance.now() - started
      observe(request.method ?? 'GET', route, settled.status, milliseconds / 1000)
      if (logged) {
        logger.info(
          { reqId, res: { statusCode: settled.status }, responseTime: milliseconds },
          'request completed',
        )
      }
    }
    if (answer instanceof Promise) {
      answer.then(finish, (error: unknown) => {
        logger.error({ reqId, err: error }, 'gateway check failed')
        const problem = problemOf(new DomainError('internal_error', 'something went wrong on our side'))
        finish({
          status: 500,
          headers: { 'Content-Type': 'application/problem+json; charset=utf-8' },
          body: JSON.stringify(problem),
        })
      })
    } else finish(answer)
    return true
  }
}

/** Fastify's `incoming request` line, the URL without its query (none is asked for; one could carry a key). */
function logIncoming(logger: Logger, reqId: string, request: IncomingMessage): void {
  const url = request.url ?? ''
  const query = url.indexOf('?')
  logger.info(
    {
      reqId,
      req: {
        method: request.method,
        url: query === -1 ? url : url.slice(0, query),
        ip: request.socket.remoteAddress,
      },
    },
    'incoming request',
  )
}
