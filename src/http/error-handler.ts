// The one place where errors become HTTP answers: RFC 9457 problem documents with a stable `code`.
// DomainErrors map through statusOf; Fastify's own errors (validation, body size, media type,
// broken JSON, unknown route) are translated to the same codes; anything else is a 500 that is
// logged and says nothing about its cause.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { DomainError, type ErrorCode, type FieldError } from '../domain/errors.ts'

export const statusOf: Record<ErrorCode, number> = {
  validation_failed: 400,
  destination_not_allowed: 400,
  unauthenticated: 401,
  invalid_credentials: 401,
  forbidden: 403,
  organization_limit_reached: 403,
  invitation_email_mismatch: 403,
  not_found: 404,
  email_taken: 409,
  handle_taken: 409,
  already_member: 409,
  invitation_pending: 409,
  last_owner: 409,
  conflict: 409,
  api_not_published: 409,
  invitation_expired: 410,
  invitation_not_pending: 410,
  token_invalid: 410,
  token_used: 410,
  token_expired: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  key_missing: 401,
  unknown: 401,
  revoked: 401,
  expired: 401,
  no_api: 403,
  not_subscribed: 403,
  wrong_environment: 403,
  internal_error: 500,
  provider_unavailable: 502,
  service_unavailable: 503,
}

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  410: 'Gone',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
}

export interface Problem {
  type: string
  title: string
  status: number
  detail: string
  code: ErrorCode
  permission?: string
  errors?: FieldError[]
}

export function problemOf(error: DomainError): Problem {
  const status = statusOf[error.code]
  const problem: Problem = {
    type: `urn:portico:problem:${error.code}`,
    title: titles[status] ?? 'Error',
    status,
    detail: error.message,
    code: error.code,
  }
  if (error.details.permission) problem.permission = error.details.permission
  if (error.details.errors) problem.errors = error.details.errors
  return problem
}

const locations: Record<string, FieldError['in']> = {
  body: 'body',
  querystring: 'query',
  params: 'params',
  headers: 'headers',
}

interface AjvError {
  instancePath: string
  keyword: string
  message?: string
  params: Record<string, unknown>
}

function fieldErrorsOf(error: FastifyError): FieldError[] {
  const where = locations[error.validationContext ?? 'body'] ?? 'body'
  return ((error.validation ?? []) as AjvError[]).map((issue) => {
    if (issue.keyword === 'required') {
      return {
        in: where,
        path: `${issue.instancePath}/${String(issue.params.missingProperty)}`,
        message: 'is required',
      }
    }
    if (issue.keyword === 'additionalProperties') {
      return {
        in: where,
        path: `${issue.instancePath}/${String(issue.params.additionalProperty)}`,
        message: 'is not allowed',
      }
    }
    return { in: where, path: issue.instancePath || '/', message: issue.message ?? 'is not valid' }
  })
}

/** Fastify's errors, in the product's codes (also used by gateway.ts's lean path, to answer alike). */
export function domainErrorOf(error: FastifyError): DomainError | undefined {
  if (error instanceof DomainError) return error
  if (error.validation) {
    const errors = fieldErrorsOf(error)
    const first = errors[0]
    const detail = first
      ? `${first.in}${first.path === '/' ? '' : first.path} ${first.message}`
      : 'invalid input'
    return new DomainError('validation_failed', detail, { errors })
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new DomainError('payload_too_large', 'the request body is larger than 1 MiB')
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new DomainError('unsupported_media_type', 'send the body as application/json')
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new DomainError('validation_failed', 'the body is not valid JSON', {
        errors: [{ in: 'body', path: '/', message: 'is not valid JSON' }],
      })
  }
  if (error instanceof SyntaxError || (error.statusCode === 400 && /JSON/i.test(error.message))) {
    return new DomainError('validation_failed', 'the body is not valid JSON', {
      errors: [{ in: 'body', path: '/', message: 'is not valid JSON' }],
    })
  }
  if (error.statusCode === 413) return new DomainError('payload_too_large', 'the request body is too large')
  if (error.statusCode === 415) return new DomainError('unsupported_media_type', error.message)
  if (error.statusCode === 404) return new DomainError('not_found', 'no such resource')
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return new DomainError('validation_failed', error.message)
  }
  return undefined
}

export function sendProblem(reply: FastifyReply, error: DomainError): FastifyReply {
  const problem = problemOf(error)
  if (error.code === 'unauthenticated') reply.header('www-authenticate', 'Bearer')
  if (error.details.retryAfterSeconds) reply.header('retry-after', String(error.details.retryAfterSeconds))
  return reply.code(problem.status).type('application/problem+json').send(JSON.stringify(problem))
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const known = domainErrorOf(error)
    if (known) return sendProblem(reply, known)
    request.log.error({ err: error }, 'request failed')
    return sendProblem(reply, new DomainError('internal_error', 'something went wrong on our side'))
  })
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      new DomainError('not_found', `no route for ${request.method} ${request.url.split('?')[0]}`),
    ),
  )
}
