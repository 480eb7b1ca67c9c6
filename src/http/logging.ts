// The process's logger: pino JSON. Passwords, tokens, cookies and Authorization headers never reach
// it: headers are not logged, known secret fields are redacted, and token-shaped path segments
// (invitation and email links) are masked in logged URLs.
import type { Writable } from 'node:stream'
import pino, { type Logger } from 'pino'

// A path segment that is a 43-character base64url token (never a UUID, which has dashes at fixed places).
const TOKEN_SEGMENT = /\/[A-Za-z0-9_-]{40,}(?=\/|\?|$)/g

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
