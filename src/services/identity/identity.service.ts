// Identity: accounts, sessions, email verification and password reset. Every function takes its
// dependencies first and runs one transaction; errors are DomainErrors.
import { isValidEmail, normalizeEmail } from '../../domain/emails.ts'
import { DomainError, enforce, invalidField } from '../../domain/errors.ts'
import { isValidName, normalizeName } from '../../domain/names.ts'
import { checkPassword } from '../../domain/passwords.ts'
import { hashToken, looksLikeToken, newToken } from '../../domain/tokens.ts'
import type { User } from '../../domain/users.ts'
import { emailVerificationMail, passwordResetMail } from '../../mail/templates.ts'
import { insertKnownDevice, isKnownDevice } from '../../store/known-devices.repository.ts'
import { listMembershipsOfUser } from '../../store/memberships.repository.ts'
import {
  deleteSession,
  deleteSessionOfUser,
  deleteSessionsOfUser,
  extendSession,
  findLiveSession,
  findLiveSessions,
  findRememberedOrganization,
  insertSession,
  listLiveSessionsOfUser,
  type Session,
  type SessionSummary,
  switchActiveOrganization,
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
import type { GroupedCall } from '../call-groups.ts'
import type { MailPurpose, ServiceDependencies } from '../dependencies.ts'
import { isPendingInvitationTo } from '../invitations/invitations.service.ts'
import { queueMail, reserveMailTo } from '../outbox.ts'
import { inTransaction, type Transaction } from '../transaction.ts'
import { hashPassword, verifyPassword } from './password-hashing.ts'
import type { CachedSession } from './session-cache.ts'

/** A session ends this long after its last use… */
export const SESSION_TTL_MS = 30 * 24 * 3600 * 1000
/** …and this long after sign-in, however active (API.md). */
export const SESSION_MAX_AGE_MS = 90 * 24 * 3600 * 1000
/** A known device's cookie lasts this long (it is not renewed). */
export const KNOWN_DEVICE_TTL_MS = 365 * 24 * 3600 * 1000
const USER_AGENT_MAX_LENGTH = 512
/** A session's expiry is moved at most this often, so a busy session is not a write per request. */
export const SESSION_TOUCH_INTERVAL_MS = 10 * 60 * 1000
const VERIFICATION_TTL_MS = 24 * 3600 * 1000
const PASSWORD_RESET_TTL_MS = 3600 * 1000

export interface SignedIn {
  user: User
  token: string
  /** A new known-device token for the client to keep, when it did not bring a valid one. */
  deviceToken?: string
}

/** What the request tells sign-up and sign-in about the client. */
export interface ClientFacts {
  userAgent?: string
  /** The known-device token from the client's cookie, if any. */
  deviceToken?: string
}

function checkSignUp(input: { email: string; password: string; name: string }): void {
  if (!isValidEmail(input.email)) throw invalidField('/email', 'must be an email address')
  if (!isValidName(normalizeName(input.name)))
    throw invalidField('/name', 'must be 1 to 200 visible characters')
  enforce(checkPassword(input.password))
}

/** Opens a session, starting in the organization the user last worked in (if still a member). */
async function startSession(tx: Transaction, userId: string, client: ClientFacts): Promise<string> {
  const token = newToken()
  await insertSession(tx.db, {
    tokenHash: hashToken(token),
    userId,
    now: tx.now,
    expiresAt: new Date(tx.now.getTime() + SESSION_TTL_MS),
    activeOrganizationId: await findRememberedOrganization(tx.db, userId),
    userAgent: client.userAgent?.slice(0, USER_AGENT_MAX_LENGTH) ?? null,
  })
  return token
}

/** Remembers the client as a known device of the user (it has just proved the password). */
async function rememberDevice(tx: Transaction, userId: string): Promise<string> {
  const token = newToken()
  await insertKnownDevice(tx.db, { tokenHash: hashToken(token), userId, now: tx.now })
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
  /** `reserved` when the recipient's share of mails was taken before (see reserveMailTo). */
  share: MailPurpose | 'reserved',
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
    share,
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
  client: ClientFacts = {},
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
    if (!invited) await mailOneTimeLink(deps, tx, user, 'email_verification', 'email_verification')
    return {
      user,
      token: await startSession(tx, user.id, client),
      deviceToken: await rememberDevice(tx, user.id),
    }
  })
}

/**
 * Checks the password and opens a session. Every attempt takes one of its budget before the hash
 * is computed and gets it back on success, so no number of concurrent guesses checks more than the
 * budget: 10 per email per 15 minutes, except that a known device of the account (one that proved
 * the password before) has 10 of its own, so guesses from elsewhere cannot lock its owner out.
 */
export async function signIn(
  deps: ServiceDependencies,
  input: { email: string; password: string },
  client: ClientFacts = {},
): Promise<SignedIn> {
  const credentials = isValidEmail(input.email)
    ? await findCredentialsByEmail(deps.db, input.email)
    : undefined
  const deviceHash =
    credentials && client.deviceToken !== undefined && looksLikeToken(client.deviceToken)
      ? hashToken(client.deviceToken)
      : undefined
  const knownDevice =
    deviceHash !== undefined &&
    credentials !== undefined &&
    (await isKnownDevice(
      deps.db,
      deviceHash,
      credentials.user.id,
      new Date(deps.clock.now().getTime() - KNOWN_DEVICE_TTL_MS),
    ))
  const [budget, key] = knownDevice
    ? [deps.limits.signInFailuresPerDevice, deviceHash as string]
    : [deps.limits.signInFailuresPerEmail, normalizeEmail(input.email)]
  budget.take(key)
  const valid = await verifyPassword(credentials?.passwordHash, input.password)
  if (!credentials || !valid) {
    throw new DomainError('invalid_credentials', 'the email or the password is wrong')
  }
  budget.refund(key)
  return inTransaction(deps, async (tx) => ({
    user: credentials.user,
    token: await startSession(tx, credentials.user.id, client),
    deviceToken: knownDevice ? undefined : await rememberDevice(tx, credentials.user.id),
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
  if (caller && membership !== undefined)
    return actorOfSession(deps, tokenHash, caller, membership, now, request)
  return loadActor(deps, tokenHash, now, request)
}

/** Reads of sessions by token hash, alone or together (one statement; the latest `now` of a group decides what is live). */
function sessionReads(
  deps: ServiceDependencies,
): GroupedCall<{ tokenHash: string; now: Date }, { session: Session; user: User } | undefined> {
  return {
    alone: ({ tokenHash, now }) => findLiveSession(deps.db, tokenHash, now),
    together: async (reads) => {
      const now = new Date(Math.max(...reads.map((read) => read.now.getTime())))
      const found = await findLiveSessions(
        deps.db,
        reads.map((read) => read.tokenHash),
        now,
      )
      return reads.map((read) => ({ value: found.get(read.tokenHash) }))
    },
  }
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
  // A first request naming no organization joins the others' reads of that moment (one statement
  // for them all, services/call-groups.ts): a burst of new callers costs a round trip or two.
  const found: Awaited<ReturnType<typeof findLiveSession>> =
    organizationRef === undefined
      ? await deps.callGroups.run('session.read', { tokenHash, now }, sessionReads(deps))
      : await findLiveSession(deps.db, tokenHash, now, organizationRef)
  if (!found) return undefined
  const caller = { session: found.session, user: found.user }
  const membership = found.membership
    ? membershipOf(found.membership.organization, found.membership.roles, found.membership.joinedAt)
    : null
  cache.rememberSession(tokenHash, caller, generation)
  if (organizationRef !== undefined) {
    cache.rememberMembership(found.user.id, organizationRef, membership, generation)
  }
  return actorOfSession(deps, tokenHash, caller, membership, now, request)
}

function actorOfSession(
  deps: ServiceDependencies,
  tokenHash: string,
  cached: CachedSession,
  membership: ActorMembership | null,
  now: Date,
  request: RequestContext,
): Actor | undefined | Promise<Actor> {
  const { session, user } = cached
  const nowMs = now.getTime()
  if (session.expiresAt.getTime() <= nowMs) return undefined
  const actor: Actor = {
    user,
    sessionId: session.id,
    activeOrganizationId: session.activeOrganizationId,
    rememberedOrganizationId: session.rememberedOrganizationId ?? null,
    requestId: request.requestId ?? null,
    membership: membership ?? undefined,
    cached: { tokenHash, session: cached },
  }
  if (nowMs - session.lastSeenAt.getTime() < SESSION_TOUCH_INTERVAL_MS) return actor
  // Use moves the end, never past SESSION_MAX_AGE_MS after sign-in. In a transaction like every
  // write, so the cached session (with the old expiry) is forgotten.
  const expiresAt = Math.min(nowMs + SESSION_TTL_MS, session.createdAt.getTime() + SESSION_MAX_AGE_MS)
  return inTransaction(deps, (tx) => extendSession(tx.db, session.id, now, new Date(expiresAt))).then(
    () => actor,
  )
}

/** The caller, the organizations they belong to, and the active one (from the session cache when it has them). */
export async function currentUser(deps: ServiceDependencies, actor: Actor) {
  const cache = deps.sessionCache
  let organizations = cache.membershipsOf(actor.user.id, deps.clock.now().getTime())
  if (organizations === undefined) {
    const generation = cache.generation
    organizations = await listMembershipsOfUser(deps.db, actor.user.id)
    cache.rememberMembershipsOf(actor.user.id, organizations, generation)
  }
  return { user: actor.user, activeOrganizationId: actor.activeOrganizationId, organizations }
}

/**
 * Switches the session to an organization the caller belongs to, and remembers it for next time.
 * When the caller's membership there is known to this instance and the organization is already
 * both active and remembered, there is nothing to write: answered from memory.
 */
export async function switchOrganization(
  deps: ServiceDependencies,
  actor: Actor,
  organizationRef: string,
): Promise<string> {
  const cache = deps.sessionCache
  const known = cache.membership(actor.user.id, organizationRef, deps.clock.now().getTime())
  if (known === null) throw new DomainError('not_found', 'no such organization')
  const id = known?.organization.id
  if (id !== undefined && actor.activeOrganizationId === id && actor.rememberedOrganizationId === id)
    return id
  const generation = cache.generation
  const membership = await inTransaction(deps, (tx) =>
    switchActiveOrganization(tx.db, { sessionId: actor.sessionId, userId: actor.user.id }, organizationRef),
  )
  if (!membership) throw new DomainError('not_found', 'no such organization')
  // Kept unless the switch wrote something (its announcement moved the generation on).
  cache.rememberMembership(
    actor.user.id,
    organizationRef,
    membershipOf(membership.organization, membership.roles, membership.joinedAt),
    generation,
  )
  return membership.organization.id
}

export async function requestEmailVerification(deps: ServiceDependencies, actor: Actor): Promise<void> {
  if (actor.user.emailVerified) return
  deps.limits.verificationMailsPerUser.take(actor.user.id)
  await inTransaction(deps, (tx) =>
    mailOneTimeLink(deps, tx, actor.user, 'email_verification', 'email_verification'),
  )
}

/** The caller's live sessions, the one they call with marked `current`. */
export async function listSessions(
  deps: ServiceDependencies,
  actor: Actor,
): Promise<(SessionSummary & { current: boolean })[]> {
  const sessions = await listLiveSessionsOfUser(deps.db, actor.user.id, deps.clock.now())
  return sessions.map((session) => ({ ...session, current: session.id === actor.sessionId }))
}

/** Ends one of the caller's sessions (on every instance: the deletion is announced); 404 for any other. */
export async function endSession(deps: ServiceDependencies, actor: Actor, sessionId: string): Promise<void> {
  await inTransaction(deps, async (tx) => {
    if (!(await deleteSessionOfUser(tx.db, actor.user.id, sessionId))) {
      throw new DomainError('not_found', 'no such session')
    }
  })
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

/**
 * Takes the address's share of reset mails (known or not, so a refusal tells nothing) and returns
 * the rest of the work: mailing a reset link if the email is known. The caller answers first and
 * runs it after, so neither the answer nor its time tells a known email from an unknown one.
 */
export function requestPasswordReset(deps: ServiceDependencies, email: string): () => Promise<void> {
  reserveMailTo(deps, 'password_reset', email)
  return async () => {
    if (!isValidEmail(email)) return
    await inTransaction(deps, async (tx) => {
      const user = await findUserByEmail(tx.db, email)
      if (user) await mailOneTimeLink(deps, tx, user, 'password_reset', 'reserved')
    })
  }
}

/** Sets a new password and ends every session of the user. The mailed link also proves the inbox. */
export async function confirmPasswordReset(
  deps: ServiceDependencies,
  input: { token: string; password: string },
): Promise<void> {
  enforce(checkPassword(input.password))
  const passwordHash = await hashPassword(input.password)
  const user = await inTransaction(deps, async (tx) => {
    const found = await takeUserToken(tx, input.token, 'password_reset')
    await updatePasswordHash(tx.db, found.userId, passwordHash)
    const user = await markEmailVerified(tx.db, found.userId, tx.now)
    await deleteSessionsOfUser(tx.db, found.userId)
    return user
  })
  // Guesses at the old password say nothing about the new one: the owner may sign in anywhere again.
  if (user) deps.limits.signInFailuresPerEmail.reset(normalizeEmail(user.email))
}
