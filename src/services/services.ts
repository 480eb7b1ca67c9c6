// Composition in one place: every service dependency built once from the configuration, for the
// HTTP routes, the job handlers, the CLI and the tests alike.
import type { Config } from '../config.ts'
import type { Executor } from '../store/executor.ts'
import { CallGroups } from './call-groups.ts'
import type { Clock } from './clock.ts'
import type { KeyVerifier } from './credentials/key-verifier.ts'
import type { AccountLimits, ServiceDependencies } from './dependencies.ts'
import { api7Portal } from './developers/provider-portal.ts'
import type { SessionCache } from './identity/session-cache.ts'
import { RateLimiter } from './rate-limiter.ts'

function accountLimits(clock: Clock, rateLimit: boolean): AccountLimits {
  return {
    invitationsPerOrganization: rateLimit
      ? new RateLimiter({ limit: 100, windowMs: 10 * 60_000, clock })
      : undefined,
    signInFailuresPerEmail: new RateLimiter({ limit: 10, windowMs: 15 * 60_000, clock }),
    signInFailuresPerDevice: new RateLimiter({ limit: 10, windowMs: 15 * 60_000, clock }),
    verificationMailsPerUser: new RateLimiter({ limit: 5, windowMs: 15 * 60_000, clock }),
    // A reset link lives an hour, longer than this window: whenever reset mails are refused, the
    // newest one in the inbox still works, so a flood never keeps the owner from resetting.
    mailsPerRecipient: {
      email_verification: new RateLimiter({ limit: 5, windowMs: 15 * 60_000, clock }),
      password_reset: new RateLimiter({ limit: 5, windowMs: 15 * 60_000, clock }),
      invitation: new RateLimiter({ limit: 10, windowMs: 15 * 60_000, clock }),
    },
  }
}

export function createServices(
  config: Config,
  parts: {
    db: Executor
    clock: Clock
    outbox: { wake(): void }
    auditChain: { wake(organizationIds: readonly string[]): void }
    keyVerifier: KeyVerifier
    sessionCache: SessionCache
    announcements: ServiceDependencies['announcements']
  },
): ServiceDependencies {
  return {
    db: parts.db,
    clock: parts.clock,
    outbox: parts.outbox,
    auditChain: parts.auditChain,
    publicUrl: config.publicUrl,
    limits: accountLimits(parts.clock, config.rateLimit),
    orgCreationLimit: config.orgCreationLimit,
    pendingInvitationLimit: config.pendingInvitationLimit,
    invitationTtlMs: config.invitationTtlHours * 3600 * 1000,
    keyCache: parts.keyVerifier,
    sessionCache: parts.sessionCache,
    announcements: parts.announcements,
    webhooks: {
      allowPrivate: config.webhookAllowPrivate,
      retrySchedule: config.webhookRetrySchedule,
      disableAfterMs: config.webhookDisableAfterMs,
    },
    providerPortal:
      config.providerPortal === 'api7' && config.providerPortalUrl && config.providerPortalToken
        ? api7Portal({ baseUrl: config.providerPortalUrl, token: config.providerPortalToken })
        : undefined,
    providerProvisioning: config.providerProvisioning,
    callGroups: new CallGroups(),
  }
}
