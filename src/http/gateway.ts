// The gateway's two calls, as answers independent of Fastify: GET /v1/gateway/authorize (headers
// in, status and X-Portico-* headers out) and POST /v1/keys/verify's body. routes/gateway.routes.ts
// serves them through Fastify (OpenAPI, inject, connections that carried other calls), and
// LeanGateway serves the same answers without Fastify's pipeline for the connections gateways keep
// open (gateway-connections.ts reads and writes those; see the README, *Gateways*, for what that
// costs and saves).
import { hash, timingSafeEqual } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
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

  /**
   * Whether `presented` is one of the tokens. With `memo` (one connection's), a token accepted on
   * that connection is remembered there, and its next calls are compared with it directly instead of
   * hashing again: only whoever already showed the token on that connection can time that equality.
   */
  accepts(presented: string | undefined, memo?: ConnectionMemo): boolean {
    if (presented !== undefined && memo?.acceptedToken === presented) return true
    const given = digest(presented ?? '')
    let ok = false
    for (const token of this.#expected) ok = timingSafeEqual(token, given) || ok
    if (ok && memo && presented !== undefined) memo.acceptedToken = presented
    return ok && presented !== undefined
  }
}

/** What one connection has shown: the gateway token last accepted on it (GatewayTokens.accepts). */
export interface ConnectionMemo {
  acceptedToken?: string
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
    // No body: a gateway reads the headers, and nginx keeps its connection to Portico open after a
    // subrequest only when the answer has none (it discards a body by closing the connection).
    const headers: Record<string, string> = {
      'X-Portico-Organization-Id': key.organizationId,
      'X-Portico-Developer-Id': key.organizationId,
      'X-Portico-Application-Id': key.applicationId,
      'X-Portico-Key-Id': key.keyId,
      'X-Portico-Environment': key.issuedEnvironment,
      'X-Portico-Api-Id': access.apiId ?? '',
    }
    rateLimitHeaders(headers, access.rateLimit)
    return { status: 200, headers, body: '' }
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
  memo?: ConnectionMemo,
): GatewayAnswer | Promise<GatewayAnswer> {
  if (!tokens.accepts(header(headers, 'x-gateway-token'), memo)) {
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

/** Whether `target` is `path`, with at most a trailing slash or a query after it. */
function isPath(target: string, path: string): boolean {
  if (!target.startsWith(path)) return false
  const rest = target.slice(path.length)
  return rest === '' || rest[0] === '?' || rest === '/' || rest.startsWith('/?')
}

/** POST /v1/keys/verify's answer to a body of up to 8 KiB, as Fastify's route gives it. */
function verifyAnswer(
  verifier: KeyVerifier,
  text: string,
  validate: (body: unknown) => { errors?: unknown[] } | undefined,
): GatewayAnswer | Promise<GatewayAnswer> {
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
  let body: unknown
  try {
    body = text.trim() === '' ? undefined : JSON.parse(text)
  } catch {
    const invalid = domainErrorOf({ code: 'FST_ERR_CTP_INVALID_JSON_BODY' } as FastifyError)
    return problem(invalid ?? new DomainError('validation_failed', 'the body is not valid JSON'))
  }
  const invalid = validate(body)
  if (invalid) {
    const error = domainErrorOf({
      validation: invalid.errors,
      validationContext: 'body',
    } as unknown as FastifyError)
    return problem(error ?? new DomainError('validation_failed', 'invalid input'))
  }
  const given = body as { key: string; apiId?: string; environment?: string }
  const access = verifier.verify(given.key, { apiId: given.apiId, environment: given.environment })
  return access instanceof Promise ? access.then(answer) : answer(access)
}

/** What the lean path needs besides the verifier: Fastify's per-request duties, done by hand. */
export interface LeanGatewayOptions {
  verifier: KeyVerifier
  tokens: GatewayTokens
  /** The headers Fastify's onSend hook puts on every answer (security-headers.ts). */
  always: Record<string, string>
  /** The verify route's body schema compiled as Fastify compiles it (undefined when valid, else the Ajv errors). */
  validateVerifyBody: () => (body: unknown) => { errors?: unknown[] } | undefined
  /** The process's logger: each request is logged as Fastify logs one (see logIncoming). */
  logger: Logger
  /** Counts the answer in the request metrics, under the route's own pattern (metrics.ts). */
  observe: (method: string, route: string, status: number, seconds: number) => void
}

const AUTHORIZE = '/v1/gateway/authorize'
const VERIFY = '/v1/keys/verify'
/** The largest verification body the lean path reads; a larger one is Fastify's to answer. */
const LEAN_BODY_LIMIT = 8192

/** A request the lean path answers: which call, as the metrics and logs name it. */
export type LeanCall = { method: 'GET'; route: typeof AUTHORIZE } | { method: 'POST'; route: typeof VERIFY }

/** What the lean path is told of a request: lower-cased header names, one value each. */
export interface LeanRequest {
  call: LeanCall
  target: string
  headers: Record<string, string>
  /** The body as text (verify only). */
  body: string
  remoteAddress: string | undefined
  /** The connection's memo (GatewayTokens.accepts). */
  memo: ConnectionMemo
}

/** An answer with every header it goes out with (the security headers and x-request-id included). */
export type LeanAnswer = GatewayAnswer

/**
 * The gateways' two calls without Fastify's pipeline (no routing, no hooks): which requests it takes
 * (`claim`) and their answers (`answer`), with what Fastify does for every request done by hand: the
 * request id (kept when sane, answered as x-request-id), the security headers, the request's two
 * log lines at info (`incoming request`, `request completed`, as Fastify writes them, the URL
 * without its query so no key can reach the log) and the request metrics under the route's pattern.
 */
export class LeanGateway {
  readonly #options: LeanGatewayOptions
  readonly #authorize: LeanCall = { method: 'GET', route: AUTHORIZE }
  readonly #verify: LeanCall = { method: 'POST', route: VERIFY }

  constructor(options: LeanGatewayOptions) {
    this.#options = options
  }

  /**
   * The call this request is, when the lean path answers it; anything else (another route, a
   * verification without the gateway token, a JSON content type or a length up to 8 KiB) is
   * Fastify's, so that its answers stay Fastify's.
   */
  claim(
    method: string,
    target: string,
    headers: Record<string, string | undefined>,
    length: number,
    memo: ConnectionMemo,
  ): LeanCall | undefined {
    if (method === 'GET') return length === 0 && isPath(target, AUTHORIZE) ? this.#authorize : undefined
    if (method !== 'POST' || !isPath(target, VERIFY) || length > LEAN_BODY_LIMIT) return undefined
    if (!/^application\/json\s*(;|$)/i.test(headers['content-type'] ?? '')) return undefined
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '')
    return this.#options.tokens.accepts(bearer?.[1], memo) ? this.#verify : undefined
  }

  /** Answers a claimed request: synchronously when everything it needs is in memory. */
  answer(request: LeanRequest): LeanAnswer | Promise<LeanAnswer> {
    const { verifier, tokens, logger } = this.#options
    const started = performance.now()
    const reqId = requestIdOf(request.headers)
    const logged = logger.isLevelEnabled('info')
    if (logged) logIncoming(logger, reqId, request)
    let answer: GatewayAnswer | Promise<GatewayAnswer>
    try {
      answer =
        request.call.route === AUTHORIZE
          ? authorize(verifier, tokens, request.headers, request.memo)
          : verifyAnswer(verifier, request.body, this.#options.validateVerifyBody())
    } catch (error) {
      answer = Promise.reject(error)
    }
    const finish = (settled: GatewayAnswer): LeanAnswer => {
      const milliseconds = performance.now() - started
      this.#options.observe(request.call.method, request.call.route, settled.status, milliseconds / 1000)
      if (logged) {
        logger.info(
          { reqId, res: { statusCode: settled.status }, responseTime: milliseconds },
          'request completed',
        )
      }
      return {
        status: settled.status,
        headers: { ...this.#options.always, 'x-request-id': reqId, ...settled.headers },
        body: settled.body,
      }
    }
    if (!(answer instanceof Promise)) return finish(answer)
    return answer.then(finish, (error: unknown) => {
      logger.error({ reqId, err: error }, 'gateway check failed')
      const problem = problemOf(new DomainError('internal_error', 'something went wrong on our side'))
      return finish({
        status: 500,
        headers: { 'Content-Type': 'application/problem+json; charset=utf-8' },
        body: JSON.stringify(problem),
      })
    })
  }
}

/** Fastify's `incoming request` line, the URL without its query (none is asked for; one could carry a key). */
function logIncoming(logger: Logger, reqId: string, request: LeanRequest): void {
  const query = request.target.indexOf('?')
  logger.info(
    {
      reqId,
      req: {
        method: request.call.method,
        url: query === -1 ? request.target : request.target.slice(0, query),
        ip: request.remoteAddress,
      },
    },
    'incoming request',
  )
}
