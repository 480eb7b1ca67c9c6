// Identity routes (API.md "Identity"): parse, call the identity service, shape the answer.
import type { FastifyRequest } from 'fastify'
import type { ServiceDependencies } from '../../services/dependencies.ts'
import {
  confirmEmailVerification,
  confirmPasswordReset,
  currentUser,
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
  passwordResetPerClient: RateLimiter
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
      schema: {
        tags,
        summary: 'Create an account and sign in',
        body: SignUpBody,
        response: { 201: SignedInSchema, ...problems(400, 409, 413, 415) },
      },
    },
    async (request, reply) => {
      const { user, token } = await signUp(deps, request.body)
      setSessionCookie(reply, token, deps.publicUrl)
      return reply.code(201).send({ user: userBody(user), token })
    },
  )

  app.post(
    '/v1/auth/sign-in',
    {
      config: { public: true, carriesSecret: true },
      preHandler: perClient(clientLimits?.signInPerClient),
      schema: {
        tags,
        summary: 'Sign in with email and password',
        body: SignInBody,
        response: { 200: SignedInSchema, ...problems(400, 401, 429) },
      },
    },
    async (request, reply) => {
      const { user, token } = await signIn(deps, request.body)
      setSessionCookie(reply, token, deps.publicUrl)
      return { user: userBody(user), token }
    },
  )

  app.post(
    '/v1/auth/sign-out',
    {
      schema: {
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

  app.put(
    '/v1/me/active-organization',
    {
      schema: {
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
        tags,
        summary: 'Mail a password-reset link (answers 202 whether or not the email is known)',
        body: PasswordResetBody,
        response: { 202: Accepted, ...problems(400, 429) },
      },
    },
    async (request, reply) => {
      await requestPasswordReset(deps, request.body.email)
      return reply.code(202).send()
    },
  )

  app.post(
    '/v1/auth/password-reset/confirm',
    {
      config: { public: true },
      schema: {
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
