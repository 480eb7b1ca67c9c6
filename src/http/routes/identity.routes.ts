// Identity routes (API.md "Identity"): parse, call the identity service, shape the answer.
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { ServiceDependencies } from '../../services/dependencies.ts'
import {
  type ClientFacts,
  confirmEmailVerification,
  confirmPasswordReset,
  currentUser,
  endSession,
  KNOWN_DEVICE_TTL_MS,
  listSessions,
  requestEmailVerification,
  requestPasswordReset,
  signIn,
  signOut,
  signUp,
  switchOrganization,
} from '../../services/identity/identity.service.ts'
import type { RateLimiter } from '../../services/rate-limiter.ts'
import type { App } from '../app-instance.ts'
import { actorOf, clearSessionCookie, setSessionCookie } from '../auth.ts'
import { Accepted, NoContent, problems } from './common.schemas.ts'
import {
  MeSchema,
  PasswordResetBody,
  PasswordResetConfirmBody,
  SessionParams,
  SessionsSchema,
  SignedInSchema,
  SignInBody,
  SignUpBody,
  TokenBody,
  UserEnvelope,
  userBody,
} from './identity.schemas.ts'
import {
  ActiveOrganizationBody,
  ActiveOrganizationSchema,
  myOrganizationBody,
} from './organizations.schemas.ts'

export interface ClientLimits {
  signInPerClient: RateLimiter
  signUpPerClient: RateLimiter
  passwordResetPerClient: RateLimiter
}

/** Marks a client that proved an account's password (see signIn); sent to the sign-in route only. */
const KNOWN_DEVICE_COOKIE = 'portico_device'
const KNOWN_DEVICE_COOKIE_PATH = '/v1/auth/sign-in'

function clientFacts(request: FastifyRequest): ClientFacts {
  return { userAgent: request.headers['user-agent'], deviceToken: request.cookies[KNOWN_DEVICE_COOKIE] }
}

function setKnownDeviceCookie(reply: FastifyReply, deviceToken: string | undefined, publicUrl: string) {
  if (deviceToken === undefined) return
  reply.setCookie(KNOWN_DEVICE_COOKIE, deviceToken, {
    httpOnly: true,
    sameSite: 'strict',
    secure: publicUrl.startsWith('https:'),
    path: KNOWN_DEVICE_COOKIE_PATH,
    maxAge: KNOWN_DEVICE_TTL_MS / 1000,
  })
}

const tags = ['identity']

export function registerIdentityRoutes(
  app: App,
  deps: ServiceDependencies,
  clientLimits: ClientLimits | undefined,
) {
  // Per-client limits are lifted by RATE_LIMIT=off; per-account ones live in the service.
  const perClient = (limiter: RateLimiter | undefined) => async (request: FastifyRequest) => {
    limiter?.take(request.ip)
  }

  app.post(
    '/v1/auth/sign-up',
    {
      config: { public: true, carriesSecret: true },
      preHandler: perClient(clientLimits?.signUpPerClient),
      schema: {
        operationId: 'signUp',
        tags,
        summary: 'Create an account and sign in',
        body: SignUpBody,
        response: { 201: SignedInSchema, ...problems(400, 409, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      const { user, token, deviceToken } = await signUp(deps, request.body, clientFacts(request))
      setSessionCookie(reply, token, deps.publicUrl)
      setKnownDeviceCookie(reply, deviceToken, deps.publicUrl)
      return reply.code(201).send({ user: userBody(user), token })
    },
  )

  app.post(
    '/v1/auth/sign-in',
    {
      config: { public: true, carriesSecret: true },
      preHandler: perClient(clientLimits?.signInPerClient),
      schema: {
        operationId: 'signIn',
        tags,
        summary: 'Sign in with email and password',
        body: SignInBody,
        response: { 200: SignedInSchema, ...problems(400, 401, 429) },
      },
    },
    async (request, reply) => {
      const { user, token, deviceToken } = await signIn(deps, request.body, clientFacts(request))
      setSessionCookie(reply, token, deps.publicUrl)
      setKnownDeviceCookie(reply, deviceToken, deps.publicUrl)
      return { user: userBody(user), token }
    },
  )

  app.post(
    '/v1/auth/sign-out',
    {
      schema: {
        operationId: 'signOut',
        tags,
        summary: 'End this session; its token stops working at once',
        response: { 204: NoContent, ...problems(401, 403) },
      },
    },
    async (request, reply) => {
      await signOut(deps, actorOf(request))
      clearSessionCookie(reply, deps.publicUrl)
      return reply.code(204).send()
    },
  )

  app.get(
    '/v1/me',
    {
      schema: {
        operationId: 'getMe',
        tags,
        summary: 'The signed-in user, their organizations and the active one',
        response: { 200: MeSchema, ...problems(401) },
      },
    },
    async (request) => {
      const me = await currentUser(deps, actorOf(request))
      return {
        user: userBody(me.user),
        activeOrganizationId: me.activeOrganizationId,
        organizations: me.organizations.map((membership) => myOrganizationBody(deps.publicUrl, membership)),
      }
    },
  )

  app.get(
    '/v1/me/sessions',
    {
      schema: {
        operationId: 'listSessions',
        tags,
        summary: "The caller's live sessions, the current one marked",
        response: { 200: SessionsSchema, ...problems(401) },
      },
    },
    async (request) => ({
      items: (await listSessions(deps, actorOf(request))).map((session) => ({
        id: session.id,
        createdAt: session.createdAt.toISOString(),
        lastSeenAt: session.lastSeenAt.toISOString(),
        expiresAt: session.expiresAt.toISOString(),
        userAgent: session.userAgent,
        current: session.current,
      })),
    }),
  )

  app.delete(
    '/v1/me/sessions/:id',
    {
      schema: {
        operationId: 'endSession',
        tags,
        summary: 'End one of your sessions, on every instance at once',
        params: SessionParams,
        response: { 204: NoContent, ...problems(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request)
      await endSession(deps, actor, request.params.id)
      if (request.params.id === actor.sessionId) clearSessionCookie(reply, deps.publicUrl)
      return reply.code(204).send()
    },
  )

  app.put(
    '/v1/me/active-organization',
    {
      schema: {
        operationId: 'setActiveOrganization',
        tags,
        summary: 'Switch the active organization of this session (remembered for the next sign-in)',
        body: ActiveOrganizationBody,
        response: { 200: ActiveOrganizationSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => ({
      activeOrganizationId: await switchOrganization(deps, actorOf(request), request.body.organizationId),
    }),
  )

  app.post(
    '/v1/auth/email-verification',
    {
      schema: {
        operationId: 'sendEmailVerification',
        tags,
        summary: 'Mail a verification link to the signed-in user',
        response: { 202: Accepted, ...problems(401, 403, 429) },
      },
    },
    async (request, reply) => {
      await requestEmailVerification(deps, actorOf(request))
      return reply.code(202).send()
    },
  )

  app.post(
    '/v1/auth/email-verification/confirm',
    {
      config: { public: true },
      schema: {
        operationId: 'confirmEmailVerification',
        tags,
        summary: 'Confirm an email with the token from the mailed link',
        body: TokenBody,
        response: { 200: UserEnvelope, ...problems(400, 410) },
      },
    },
    async (request) => ({ user: userBody(await confirmEmailVerification(deps, request.body.token)) }),
  )

  app.post(
    '/v1/auth/password-reset',
    {
      config: { public: true },
      preHandler: perClient(clientLimits?.passwordResetPerClient),
      schema: {
        operationId: 'requestPasswordReset',
        tags,
        summary: 'Mail a password-reset link (answers 202 whether or not the email is known)',
        body: PasswordResetBody,
        response: { 202: Accepted, ...problems(400, 429) },
      },
    },
    async (request, reply) => {
      const mailIfKnown = requestPasswordReset(deps, request.body.email)
      // Answered before the email is looked up: known and unknown emails take the same time.
      await reply.code(202).send()
      await mailIfKnown().catch((error: unknown) =>
        request.log.error({ err: error }, 'password reset failed'),
      )
    },
  )

  app.post(
    '/v1/auth/password-reset/confirm',
    {
      config: { public: true },
      schema: {
        operationId: 'confirmPasswordReset',
        tags,
        summary: 'Set a new password with the mailed token; every session of the user ends',
        body: PasswordResetConfirmBody,
        response: { 204: NoContent, ...problems(400, 410) },
      },
    },
    async (request, reply) => {
      await confirmPasswordReset(deps, request.body)
      clearSessionCookie(reply, deps.publicUrl)
      return reply.code(204).send()
    },
  )
}
