// The one error type of the product. Services throw DomainError with a code from this union;
// http/error-handler.ts alone turns a code into an HTTP status and a problem+json document.

export type ErrorCode =
  | 'unauthenticated'
  | 'invalid_credentials'
  | 'forbidden'
  | 'not_found'
  | 'validation_failed'
  | 'email_taken'
  | 'handle_taken'
  | 'already_member'
  | 'invitation_pending'
  | 'last_owner'
  | 'conflict'
  | 'api_not_published'
  | 'organization_limit_reached'
  | 'invitation_expired'
  | 'invitation_not_pending'
  | 'invitation_email_mismatch'
  | 'token_invalid'
  | 'token_used'
  | 'token_expired'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  // A gateway's key checks (API.md "Gateways"); rate_limited above is one of them too.
  | 'key_missing'
  | 'unknown'
  | 'revoked'
  | 'expired'
  | 'no_api'
  | 'not_subscribed'
  | 'wrong_environment'
  | 'destination_not_allowed'
  | 'provider_unavailable'
  | 'internal_error'
  | 'service_unavailable'

/** One problem with one field of the input, as reported in `errors` of a validation_failed answer. */
export interface FieldError {
  in: 'body' | 'query' | 'params' | 'headers'
  path: string
  message: string
}

export interface ErrorDetails {
  /** forbidden: the permission the actor lacks. */
  permission?: string
  /** validation_failed: what was wrong, field by field. */
  errors?: FieldError[]
  /** rate_limited: seconds until a retry can succeed. */
  retryAfterSeconds?: number
}

export class DomainError extends Error {
  readonly code: ErrorCode
  readonly details: ErrorDetails

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(message)
    this.name = 'DomainError'
    this.code = code
    this.details = details
  }
}

/** A policy's answer: allowed, or refused with the code and words the caller will see. */
export type Decision = { ok: true } | { ok: false; code: ErrorCode; message: string; details?: ErrorDetails }

export const allowed: Decision = { ok: true }

export function refused(code: ErrorCode, message: string, details?: ErrorDetails): Decision {
  return details ? { ok: false, code, message, details } : { ok: false, code, message }
}

/** The error a refusal stands for; undefined for an allowed decision. */
export function refusalOf(decision: Decision): DomainError | undefined {
  return decision.ok ? undefined : new DomainError(decision.code, decision.message, decision.details)
}

/** Turns a refusal into the error a service throws; an allowed decision passes through. */
export function enforce(decision: Decision): void {
  const refusal = refusalOf(decision)
  if (refusal) throw refusal
}

export function invalidField(path: string, message: string): DomainError {
  return new DomainError('validation_failed', `${path.slice(1) || 'input'} ${message}`, {
    errors: [{ in: 'body', path, message }],
  })
}
