// The process's logger: pino JSON. Passwords, tokens, cookies and Authorization headers never reach
// it: headers are not logged, known secret fields are redacted, and token-shaped path segments
// (invitation and email links) are masked in logged URLs.
import type { IncomingHttpHeaders } from 'node:http'
import type { Writable } from 'node:stream'
import pino, { type Logger } from 'pino'

// A path segment that is a 43-character base64url token (never a UUID, which has dashes at fixed places).
const TOKEN_SEGMENT = /\/[A-Za-z0-9_-]{40,}(?=\/|\?|$)/g

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

/** A request's id: the client's `x-request-id` when sane, else a new UUID (logged as reqId, answered as x-request-id). */
export function requestIdOf(headers: IncomingHttpHeaders): string {
  const given = headers['x-request-id']
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : crypto.randomUUID()
}

export function redactUrl(url: string): string {
  return url.replace(TOKEN_SEGMENT, '/[redacted]')
}

export function createLogger(options: { level?: string; stream?: Writable } = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'res.headers["set-cookie"]',
          '*.password',
          '*.token',
          '*.secret',
          '*.invitationToken',
        ],
        censor: '[redacted]',
      },
      serializers: {
        req: (req: { method: string; url: string; ip?: string }) => ({
          method: req.method,
          url: redactUrl(req.url),
          remoteAddress: req.ip,
        }),
      },
    },
    options.stream,
  )
}

type LogMethod = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace'

/**
 * Fastify gives every request a child logger bound to its id; pino redacts a child's bindings when
 * it is made, which cost every request a few percent even though most never write a line. This
 * child is made on the first line a request actually writes at an enabled level.
 */
export class DeferredChildLogger {
  readonly #parent: Logger
  readonly #bindings: Record<string, unknown>
  readonly #options: pino.ChildLoggerOptions
  #child: Logger | undefined

  constructor(parent: Logger, bindings: Record<string, unknown>, options: pino.ChildLoggerOptions) {
    this.#parent = parent
    this.#bindings = bindings
    this.#options = options
  }

  get level(): string {
    return this.#parent.level
  }

  child(bindings: Record<string, unknown>, options?: pino.ChildLoggerOptions): Logger {
    return this.#real().child(bindings, options)
  }

  fatal(...args: unknown[]): void {
    this.#write('fatal', args)
  }
  error(...args: unknown[]): void {
    this.#write('error', args)
  }
  warn(...args: unknown[]): void {
    this.#write('warn', args)
  }
  info(...args: unknown[]): void {
    this.#write('info', args)
  }
  debug(...args: unknown[]): void {
    this.#write('debug', args)
  }
  trace(...args: unknown[]): void {
    this.#write('trace', args)
  }
  silent(): void {}

  #write(level: LogMethod, args: unknown[]): void {
    if (!this.#parent.isLevelEnabled(level)) return
    const child = this.#real()
    ;(child[level] as (...values: unknown[]) => void).apply(child, args)
  }

  #real(): Logger {
    this.#child ??= this.#parent.child(this.#bindings, this.#options)
    return this.#child
  }
}
