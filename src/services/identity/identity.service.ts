// Identity: accounts, sessions, email verification and password reset. Every function takes its
// dependencies first and runs one transaction; errors are DomainErrors.
import { isValidEmail, normalizeEmail } from '../../domain/emails.ts'
import { DomainError, enforce, invalidField } from '../../domain/errors.ts'
import { isValidName, normalizeName } from '../../domain/names.ts'
import { checkPassword } from '../../domain/passwords.ts'
import { hashToken, looksLikeToken, newToken } from '../../domain/tokens.ts'
import type { User } from '../../domain/users.ts'
import { emailVerificationMail, passwordResetMail } from '../../mail/templates.ts'
import { listMembershipsOfUser } from '../../store/memberships.repository.ts'
import { findMembershipByReference } from '../../store/organizations.repository.ts'
import {
  deleteSession,
  deleteSessionsOfUser,
  extendSession,
  findLiveSession,
  findRememberedOrganization,
  insertSession,
  setActiveOrganization,
} from '../../store/sessions.repository.ts'
import type { UserTokenPurpose } from '../../store/tables.ts'
import {
  findUserTokenForUpdate,
  insertUserToken,
  markUserTokensUsed,
} from '../../store/user-tokens.repository.ts'
import {
  findCredentialsByEmail,
  findUserByEmail,
  insertUser,
  markEmailVerified,
  updatePasswordHash,
} from '../../store/users.repository.ts'
import { type Actor, type ActorMembership, membershipOf } from '../access.ts'
import type { ServiceDependencies } from '../dependencies.ts'
import { isPendingInvitationTo } from '../invitations/invitations.service.ts'
import { queueMail } from '../outbox.ts'
import { inTransaction, type Transaction } from '../transaction.ts'
import { hashPassword, verifyPassword } from './password-hashing.ts'
import type { CachedSession } from './session-cache.ts'

export const SESSION_TTL_MS = 30 * 24 * 3600 * 1000
/** A session's expiry is moved at most this often, so a busy session is not a write per request. */
export const SESSION_TOUCH_INTERVAL_MS = 10 * 60 * 1000
const VERIFICATION_TTL_MS = 24 * 3600 * 1000
const PASSWORD_RESET_TTL_MS = 3600 * 1000

export interface SignedIn {
  user: User
  token: string
}

function checkSignUp(input: { email: string; password: string; name: string }): void {
  if (!isValidEmail(input.email)) throw invalidField('/email', 'must be an email address')
  if (!isValidName(normalizeName(input.name)))
    throw invalidField('/name', 'must be 1 to 200 visible characters')
  enforce(checkPassword(input.password))
}

/** Opens a session, starting in the organization the user last worked in (if still a member). */
async function startSession(tx: Transaction, userId: string): Promise<string> {
  const token = newToken()
  await insertSession(tx.db, {
    tokenHash: hashToken(token),
    userId,
    now: tx.now,
    expiresAt: new Date(tx.now.getTime() + SESSION_TTL_MS),
    activeOrganizationId: await findRememberedOrganization(tx.db, userId),
  })
  return token
}

const mailedLinks = {
  email_verification: { path: 'verify-email', ttlMs: VERIFICATION_TTL_MS, mail: emailVerificationMail },
  password_reset: { path: 'reset-password', ttlMs: PASSWORD_RESET_TTL_MS, mail: passwordResetMail },
} as const

/** Issues a one-time token of `purpose` for the user and mails its link (PUBLIC_URL/<path>/<token>). */
async function mailOneTimeLink(
  deps: ServiceDependencies,
  tx: Transaction,
  user: User,
  purpose: UserTokenPurpose,
): Promise<void> {
  const { path, ttlMs, mail } = mailedLinks[purpose]
  const token = newToken()
  await insertUserToken(tx.db, {
    userId: user.id,
    purpose,
    tokenHash: hashToken(token),
    now: tx.now,
    expiresAt: new Date(tx.now.getTime() + ttlMs),
  })
  await queueMail(
    deps,
    tx,
    mail({ to: user.email, name: user.name, link: `${deps.publicUrl}/${path}/${token}` }),
  )
}

/**
 * Creates an account and signs it in. A verification mail goes out, unless `invitationToken` is a
 * pending invitation to this very email: that token proves the inbox, so the email is verified at
 * once. Any other token is ignored (the account is still created, and the mail still goes out).
 */
export async function signUp(
  deps: ServiceDependencies,
  input: { email: string; password: string; name: string; invitationToken?: string },
): Promise<SignedIn> {
  checkSignUp(input)
  // Hashing happens before the transaction: it takes tens of milliseconds and needs no lock.
  const passwordHash = await hashPassword(input.password)
  return inTransaction(deps, async (tx) => {
    const invited =
      input.invitationToken !== undefined &&
      (await isPendingInvitationTo(tx, input.invitationToken, input.email))
    const user = await insertUser(tx.db, {
      email: input.email,
      name: normalizeName(input.name),
      passwordHash,
      emailVerifiedAt: invited ? tx.now : null,
      now: tx.now,
    })
    if (!user) throw new DomainError('email_taken', 'an account with this email already exists')
    if (!invited) await mailOneTimeLink(deps, tx, user, 'email_verification')
    return { user, token: await startSession(tx, user.id) }
  })
}

export async function signIn(
  deps: ServiceDependencies,
  input: { email: string; password: string },
): Promise<SignedIn> {
  const emailKey = normalizeEmail(input.email)
  deps.limits.signInFailuresPerEmail.refuseIfExhausted(emailKey)
  const credentials = isValidEmail(input.email)
    ? await findCredentialsByEmail(deps.db, input.email)
    : undefined
  const valid = await verifyPassword(credentials?.passwordHash, input.password)
  if (!credentials || !valid) {
    deps.limits.signInFailuresPerEmail.hit(emailKey)
    throw new DomainError('invalid_credentials', 'the email or the password is wrong')
  }
  deps.limits.signInFailuresPerEmail.reset(emailKey)
  return inTransaction(deps, async (tx) => ({
    user: credentials.user,
    token: await startSession(tx, credentials.user.id),
  }))
}

export async function signOut(deps: ServiceDependencies, actor: Actor): Promise<void> {
  await inTransaction(deps, (tx) => deleteSession(tx.db, actor.sessionId))
}

/** What the request tells authentication: the organization its path names, its id for audit. */
interface RequestContext {
  organizationRef?: string
  requestId?: string
}

/**
 * The actor behind a session token, or undefined when the token is unknown or expired. With an
 * organization reference (id or handle), the caller's membership there comes with it. Answered
 * synchronously from the session cache when it can be (every authenticated request passes here,
 * so a hit allocates no promise); a miss is one query for the session, the user, the
 * organization and the membership together.
 */
export function authenticate(
  deps: ServiceDependencies,
  token: string,
  request: RequestContext = {},
): Actor | undefined | Promise<Actor | undefined> {
  if (!looksLikeToken(token)) return undefined
  const now = deps.clock.now()
  const tokenHash = hashToken(token)
  const { organizationRef } = request
  const cache = deps.sessionCache
  const nowMs = now.getTime()
  const caller = cache.session(tokenHash, nowMs)
  const membership =
    caller && organizationRef !== undefined ? cache.membership(caller.user.id, organizationRef, nowMs) : null
  if (caller && membership !== undefined) return actorOfSession(deps, caller, membership, now, request)
  return loadActor(deps, tokenHash, now, request)
}

async function loadActor(
  deps: ServiceDependencies,
  tokenHash: string,
  now: Date,
  request: RequestContext,
): Promise<Actor | undefined> {
  const { organizationRef } = request
  const cache = deps.sessionCache
  const generation = cache.generation
  const found = await findLiveSession(deps.db, tokenHash, now, organizationRef)
  if (!found) return undefined
  const caller = { session: found.session, user: found.user }
  const membership = found.membership
    ? membershipOf(found.membership.organization, found.membership.roles, found.membership.joinedAt)
    : null
  cache.rememberSession(tokenHash, caller, generation)
  if (organizationRef !== undefined) {
    cache.rememberMembership(found.user.id, organizationRef, membership, generation)
  }
  return actorOfSession(deps, caller, membership, now, request)
}

function actorOfSession(
  deps: ServiceDependencies,
  { session, user }: CachedSession,
  membership: ActorMembership | null,
  now: Date,
  request: RequestContext,
): Actor | undefined | Promise<Actor> {
  if (session.expiresAt.getTime() <= now.getTime()) return undefined
  const actor: Actor = {
    user,
    sessionId: session.id,
    activeOrganizationId: session.activeOrganizationId,
    requestId: request.requestId ?? null,
    membership: membership ?? undefined,
  }
  if (now.getTime() - session.lastSeenAt.getTime() < SESSION_TOUCH_INTERVAL_MS) return actor
  // In a transaction like every write, so the cached session (with the old expiry) is forgotten.
  return inTransaction(deps, (tx) =>
    extendSession(tx.db, session.id, now, new Date(now.getTime() + SESSION_TTL_MS)),
  ).then(() => actor)
}

/** The caller, the organizations they belong to, and the active one. */
export async function currentUser(deps: ServiceDependencies, actor: Actor) {
  const organizations = await listMembershipsOfUser(deps.db, actor.user.id)
  return { user: actor.user, activeOrganizationId: actor.activeOrganizationId, organizations }
}

/** Switches the session to an organization the caller belongs to, and remembers it for next time. */
export async function switchOrganization(
  deps: ServiceDependencies,
  actor: Actor,
  organizationRef: string,
): Promise<string> {
  return inTransaction(deps, async (tx) => {
    const membership = await findMembershipByReference(tx.db, actor.user.id, organizationRef)
    if (!membership) throw new DomainError('not_found', 'no such organization')
    await setActiveOrganization(
      tx.db,
      { sessionId: actor.sessionId, userId: actor.user.id },
      membership.organizationId,
    )
    return membership.organizationId
  })
}

export async function requestEmailVerification(deps: ServiceDependencies, actor: Actor): Promise<void> {
  if (actor.user.emailVerified) return
  deps.limits.verificationMailsPerUser.take(actor.user.id)
  await inTransaction(deps, (tx) => mailOneTimeLink(deps, tx, actor.user, 'email_verification'))
}

/** Finds a mailed token for use, refusing unknown, used and expired ones (410 alike). */
async function takeUserToken(tx: Transaction, token: string, purpose: UserTokenPurpose) {
  const found = looksLikeToken(token)
    ? await findUserTokenForUpdate(tx.db, hashToken(token), purpose)
    : undefined
  if (!found) throw new DomainError('token_invalid', 'this link is not valid')
  if (found.usedAt) throw new DomainError('token_used', 'this link has already been used')
  if (found.expiresAt <= tx.now) throw new DomainError('token_expired', 'this link has expired')
  await markUserTokensUsed(tx.db, found.userId, purpose, tx.now)
  return found
}

export async function confirmEmailVerification(deps: ServiceDependencies, token: string): Promise<User> {
  return inTransaction(deps, async (tx) => {
    const found = await takeUserToken(tx, token, 'email_verification')
    const user = await markEmailVerified(tx.db, found.userId, tx.now)
    if (!user) throw new DomainError('token_invalid', 'this link is not valid')
    return user
  })
}

/** Mails a reset link to a known email; says nothing either way, so emails cannot be probed. */
export async function requestPasswordReset(deps: ServiceDependencies, email: string): Promise<void> {
  deps.limits.passwordResetsPerEmail.take(normalizeEmail(email))
  if (!isValidEmail(email)) return
  await inTransaction(deps, async (tx) => {
    const user = await findUserByEmail(tx.db, email)
    if (user) await mailOneTimeLink(deps, tx, user, 'password_reset')
  })
}

/** Sets a new password and ends every session of the user. The mailed link also proves the inbox. */
export async function confirmPasswordReset(
  deps: ServiceDependencies,
  input: { token: string; password: string },
): Promise<void> {
  enforce(checkPassword(input.password))
  const passwordHash = await hashPassword(input.password)
  await inTransaction(deps, async (tx) => {
    const found = await takeUserToken(tx, input.token, 'password_reset')
    await updatePasswordHash(tx.db, found.userId, passwordHash)
    await markEmailVerified(tx.db, found.userId, tx.now)
    await deleteSessionsOfUser(tx.db, found.userId)
  })
}
