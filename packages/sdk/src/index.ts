// @portico/sdk: a typed client for Portico's HTTP API, webhook verification and the gateway check.
export type { components, operations, paths } from './api-types.ts'
export * from './client.ts'
export { type FieldError, PorticoError, type Problem } from './errors.ts'
export type { Authorization, GuardedRequest, RateLimitState } from './gateway.ts'
export { all, eachItem, type Page } from './pages.ts'
export { type RetryOptions, retryAfterMs } from './retries.ts'
export {
  signWebhook,
  type VerifyOptions,
  verifyWebhook,
  type WebhookEvent,
  WebhookVerificationError,
} from './webhooks.ts'
