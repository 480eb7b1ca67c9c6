// What a refused call throws: the server's RFC 9457 problem document, with its stable `code`.

/** A field the server refused (400 validation_failed). */
export interface FieldError {
  in: string
  path: string
  message: string
}

export interface Problem {
  type?: string
  title?: string
  status?: number
  detail?: string
  code?: string
  permission?: string
  errors?: FieldError[]
}

export class PorticoError extends Error {
  /** The HTTP status. */
  readonly status: number
  /** The server's stable error code (`not_found`, `forbidden`, `rate_limited`…). */
  readonly code: string
  readonly detail: string
  /** forbidden: the permission the caller lacks. */
  readonly permission: string | undefined
  /** validation_failed: every refused field. */
  readonly errors: FieldError[]
  readonly problem: Problem

  constructor(status: number, problem: Problem) {
    const code = problem.code ?? `http_${status}`
    const detail = problem.detail ?? problem.title ?? `HTTP ${status}`
    super(`${code}: ${detail}`)
    this.name = 'PorticoError'
    this.status = status
    this.code = code
    this.detail = detail
    this.permission = problem.permission
    this.errors = problem.errors ?? []
    this.problem = problem
  }
}

/** The error of an answer that is not a problem document (a proxy's page, an empty body). */
export function problemOf(body: unknown): Problem {
  return typeof body === 'object' && body !== null ? (body as Problem) : { detail: String(body ?? '') }
}
