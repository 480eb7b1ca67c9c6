// What every service function receives: explicit dependencies, no module-level state, so the
// routes, the CLI and the tests call the same code with their own database and clock.
import type { AccessChange } from '../store/access-changes.ts'
import type { Executor } from '../store/executor.ts'
import type { CallGroups } from './call-groups.ts'
import type { Clock } from './clock.ts'
import type { ProviderPortal } from './developers/provider-portal.ts'
import type { SessionCache } from './identity/session-cache.ts'
import type { RateLimiter } from './rate-limiter.ts'

/** What a mail is for; each recipient address has its own share of each. */
export type MailPurpose = 'email_verification' | 'password_reset' | 'invitation'

/** Limits on what an account or an address suffers, whoever asks; they stay on whatever RATE_LIMIT says. */
export interface AccountLimits {
  /** Sign-in attempts per email that are not from a known device of the account (refunded on success). */
  signInFailuresPerEmail: RateLimiter
  /** Sign-in attempts per known device (refunded on success). */
  signInFailuresPerDevice: RateLimiter
  /** Verification mails per user. */
  verificationMailsPerUser: RateLimiter
  /**
   * Mails per recipient address (lower case) and purpose, so nobody can flood an inbox through
   * Portico; password-reset requests take their share for unknown emails too (the answer tells nothing).
   */
  mailsPerRecipient: Record<MailPurpose, RateLimiter>
  /** Invitations created per organization; lifted by RATE_LIMIT=off (undefined). */
  invitationsPerOrganization: RateLimiter | undefined
}

export interface ServiceDependencies {
  db: Executor
  clock: Clock
  /** The job dispatcher, woken after a transaction that queued jobs (mail, deliveries) commits. */
  outbox: { wake(): void }
  /** The audit chainer (events/audit-chain.ts), woken after a transaction that recorded events commits. */
  auditChain: { wake(organizationIds: readonly string[]): void }
  publicUrl: string
  limits: AccountLimits
  /** Organizations one user may create; 0 means no limit. */
  orgCreationLimit: number
  /** Pending invitations one organization may hold at once (PENDING_INVITATION_LIMIT). */
  pendingInvitationLimit: number
  /** How long an invitation stays valid. */
  invitationTtlMs: number
  /** This instance's API-key verification cache (see credentials/key-verifier.ts). */
  keyCache: { forget(changes: readonly AccessChange[]): void }
  /** This instance's cache of who is calling (see identity/session-cache.ts). */
  sessionCache: SessionCache
  /**
   * The reader of access announcements (store/announcements.ts), told which transactions' this
   * instance has already applied to its caches: it does not deliver those again.
   */
  announcements: { forgottenHere(xact: string): void }
  /** WEBHOOK_ALLOW_PRIVATE, WEBHOOK_RETRY_SCHEDULE (also for provider calls), WEBHOOK_DISABLE_AFTER. */
  webhooks: { allowPrivate: boolean; retrySchedule: readonly number[]; disableAfterMs: number }
  /** Where developer identities live; undefined with PROVIDER_PORTAL=none (Portico itself). */
  providerPortal: ProviderPortal | undefined
  providerProvisioning: 'async' | 'required'
  /** This instance's groups of concurrent writes (group commit, see call-groups.ts). */
  callGroups: CallGroups
}
