// Standard Webhooks signatures, exactly as Portico signs its deliveries (the server's
// domain/webhooks.ts signs with signWebhook below): `v1,` + base64 of HMAC-SHA256, keyed with the
// secret's decoded bytes, over `{webhook-id}.{webhook-timestamp}.{body}`.
import { createHmac, timingSafeEqual } from 'node:crypto'
import { type HeaderBag, headerOf } from './headers.ts'

/** What a delivery's body holds (API.md "Webhooks"). */
export interface WebhookEvent {
  id: string
  type: string
  timestamp: string
  organizationId: string
  data: unknown
}

export class WebhookVerificationError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'WebhookVerificationError'
  }
}

function keyOf(secret: string): Buffer {
  return Buffer.from(secret.replace(/^whsec_/, ''), 'base64')
}

function digest(secret: string, id: string, timestampSeconds: number | string, body: string): Buffer {
  return createHmac('sha256', keyOf(secret)).update(`${id}.${timestampSeconds}.${body}`).digest()
}

/** The `webhook-signature` header value for a delivery. */
export function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): string {
  return `v1,${digest(secret, id, timestampSeconds, body).toString('base64')}`
}

export interface VerifyOptions {
  /** How far the timestamp may be from now (default 300 s, as Standard Webhooks libraries do). */
  toleranceSeconds?: number
  /** Unix seconds now (tests). */
  nowSeconds?: number
}

/**
 * The event of a delivery whose signature is right and whose timestamp is recent; throws
 * WebhookVerificationError otherwise. `body` is the raw request body, as received, not re-serialized.
 */
export function verifyWebhook(
  body: string | Buffer,
  headers: HeaderBag,
  secret: string,
  options: VerifyOptions = {},
): WebhookEvent {
  const text = typeof body === 'string' ? body : body.toString('utf8')
  const id = headerOf(headers, 'webhook-id')
  const timestamp = headerOf(headers, 'webhook-timestamp')
  const signatures = headerOf(headers, 'webhook-signature')
  if (!id || !timestamp || !signatures) throw new WebhookVerificationError('missing webhook headers')
  if (!/^\d+$/.test(timestamp)) throw new WebhookVerificationError('invalid webhook-timestamp')
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000)
  if (Math.abs(now - Number(timestamp)) > (options.toleranceSeconds ?? 300)) {
    throw new WebhookVerificationError('webhook-timestamp too far from now')
  }
  const expected = digest(secret, id, timestamp, text)
  // The header may list several signatures (during a secret's rotation): one match is enough.
  const matches = signatures.split(' ').some((entry) => {
    const [version, signature] = entry.split(',')
    if (version !== 'v1' || !signature) return false
    const given = Buffer.from(signature, 'base64')
    return given.length === expected.length && timingSafeEqual(given, expected)
  })
  if (!matches) throw new WebhookVerificationError('no matching signature')
  return JSON.parse(text) as WebhookEvent
}
