// Invitation routes (API.md "Invitations", and GET /v1/me/invitations): parse, call the
// invitations service, shape. Tokens appear only in paths, never in an answer.
import type { FastifyRequest } from 'fastify'
import { statusAt } from '../../domain/invitation-policy.ts'
import type { ServiceDependencies } from '../../services/dependencies.ts'
import {
  acceptInvitation,
  declineInvitation,
  inviteMember,
  listMyInvitations,
  listOrganizationInvitations,
  logoOfInvitation,
  previewInvitation,
  resendInvitation,
  revokeInvitation,
} from '../../services/invitations/invitations.service.ts'
import { DEFAULT_PAGE_SIZE } from '../../services/pagination.ts'
import type { RateLimiter } from '../../services/rate-limiter.ts'
import type { App } from '../app-instance.ts'
import { actorOf } from '../auth.ts'
import { NoContent, problems } from './common.schemas.ts'
import {
  InvitationParams,
  InvitationPreviewSchema,
  InvitationSchema,
  InvitationsQuery,
  InviteBody,
  invitationBody,
  invitationOrganizationBody,
  MyInvitationParams,
  MyInvitationSchema,
  TokenParams,
} from './invitations.schemas.ts'
import {
  LogoQuery,
  LogoResponses,
  listOf,
  logoTypes,
  MemberSchema,
  memberBody,
  OrganizationParams,
  OrganizationSchema,
  organizationBody,
  sendLogo,
} from './organizations.schemas.ts'

const tags = ['invitations']

export function registerInvitationRoutes(
  app: App,
  deps: ServiceDependencies,
  previewPerClient: RateLimiter | undefined,
) {
  const { publicUrl, clock } = deps
  const AcceptedSchema = {
    200: {
      type: 'object',
      properties: { organization: OrganizationSchema, member: MemberSchema },
      required: ['organization', 'member'],
    },
  } as const

  app.post(
    '/v1/organizations/:org/invitations',
    {
      schema: {
        operationId: 'createInvitation',
        tags,
        summary: 'Invite an email with roles; a mail with the link goes out',
        params: OrganizationParams,
        body: InviteBody,
        response: { 201: InvitationSchema, ...problems(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request, reply) => {
      const invitation = await inviteMember(deps, actorOf(request), request.body)
      return reply.code(201).send(invitationBody(invitation, statusAt(invitation, clock.now())))
    },
  )

  app.get(
    '/v1/organizations/:org/invitations',
    {
      schema: {
        operationId: 'listInvitations',
        tags,
        summary: "The organization's invitations, newest first; `status` filters",
        params: OrganizationParams,
        querystring: InvitationsQuery,
        response: { 200: listOf(InvitationSchema), ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const page = await listOrganizationInvitations(deps, actorOf(request), {
        limit: request.query.limit ?? DEFAULT_PAGE_SIZE,
        cursor: request.query.cursor,
        status: request.query.status,
      })
      const now = clock.now()
      return {
        items: page.items.map((i) => invitationBody(i, statusAt(i, now))),
        nextCursor: page.nextCursor,
      }
    },
  )

  app.delete(
    '/v1/organizations/:org/invitations/:id',
    {
      schema: {
        operationId: 'revokeInvitation',
        tags,
        summary: 'Revoke a pending invitation',
        params: InvitationParams,
        response: { 204: NoContent, ...problems(400, 401, 403, 404, 410) },
      },
    },
    async (request, reply) => {
      await revokeInvitation(deps, actorOf(request), request.params.id)
      return reply.code(204).send()
    },
  )

  app.post(
    '/v1/organizations/:org/invitations/:id/resend',
    {
      schema: {
        operationId: 'resendInvitation',
        tags,
        summary: 'Send a pending or expired invitation again, with a new link and expiry',
        params: InvitationParams,
        response: { 200: InvitationSchema, ...problems(400, 401, 403, 404, 410) },
      },
    },
    async (request) => {
      const invitation = await resendInvitation(deps, actorOf(request), request.params.id)
      return invitationBody(invitation, statusAt(invitation, clock.now()))
    },
  )

  app.get(
    '/v1/invitations/:token',
    {
      config: { public: true, carriesSecret: true },
      preHandler: async (request: FastifyRequest) => previewPerClient?.take(request.ip),
      schema: {
        operationId: 'previewInvitation',
        tags,
        summary: 'What an invitation link opens (no session needed: the token is the secret)',
        params: TokenParams,
        response: { 200: InvitationPreviewSchema, ...problems(404, 429) },
      },
    },
    async (request) => {
      const { token } = request.params
      const { invitation, organization, status } = await previewInvitation(deps, token)
      return {
        organization: invitationOrganizationBody(
          publicUrl,
          organization,
          `/v1/invitations/${encodeURIComponent(token)}`,
        ),
        email: invitation.email,
        roles: invitation.roles,
        invitedBy: { name: invitation.invitedBy.name },
        expiresAt: invitation.expiresAt.toISOString(),
        status,
      }
    },
  )

  app.get(
    '/v1/invitations/:token/logo',
    {
      config: { public: true, carriesSecret: true },
      preHandler: async (request: FastifyRequest) => previewPerClient?.take(request.ip),
      schema: {
        operationId: 'getInvitationLogo',
        tags,
        summary: "The logo of the organization an invitation link opens (the preview's logoUrl)",
        params: TokenParams,
        querystring: LogoQuery,
        produces: logoTypes,
        response: { ...LogoResponses, ...problems(404, 429) },
      },
    },
    async (request, reply) =>
      sendLogo(request, reply, await logoOfInvitation(deps, undefined, { token: request.params.token })),
  )

  app.get(
    '/v1/me/invitations/:id/logo',
    {
      schema: {
        operationId: 'getMyInvitationLogo',
        tags,
        summary: 'The logo of the organization one of my pending invitations opens',
        params: MyInvitationParams,
        querystring: LogoQuery,
        produces: logoTypes,
        response: { ...LogoResponses, ...problems(400, 401, 404) },
      },
    },
    async (request, reply) =>
      sendLogo(request, reply, await logoOfInvitation(deps, actorOf(request), { id: request.params.id })),
  )

  const acceptedBody = (accepted: Awaited<ReturnType<typeof acceptInvitation>>) => ({
    organization: organizationBody(publicUrl, accepted.membership),
    member: memberBody(accepted.member),
  })

  app.post(
    '/v1/invitations/:token/accept',
    {
      config: { carriesSecret: true },
      schema: {
        operationId: 'acceptInvitation',
        tags,
        summary: 'Accept, signed in with the invited email: you become a member with the invited roles',
        params: TokenParams,
        response: { ...AcceptedSchema, ...problems(401, 403, 404, 409, 410) },
      },
    },
    async (request) =>
      acceptedBody(await acceptInvitation(deps, actorOf(request), { token: request.params.token })),
  )

  app.post(
    '/v1/invitations/:token/decline',
    {
      config: { carriesSecret: true },
      schema: {
        operationId: 'declineInvitation',
        tags,
        summary: 'Decline, signed in with the invited email',
        params: TokenParams,
        response: { 204: NoContent, ...problems(401, 403, 404, 410) },
      },
    },
    async (request, reply) => {
      await declineInvitation(deps, actorOf(request), { token: request.params.token })
      return reply.code(204).send()
    },
  )

  app.get(
    '/v1/me/invitations',
    {
      schema: {
        operationId: 'listMyInvitations',
        tags,
        summary: 'Pending invitations to my email, once it is verified (empty before)',
        response: { 200: listOf(MyInvitationSchema), ...problems(401) },
      },
    },
    async (request) => {
      const invitations = await listMyInvitations(deps, actorOf(request))
      return {
        items: invitations.map(({ invitation, organization, status }) => ({
          ...invitationBody(invitation, status),
          organization: invitationOrganizationBody(
            publicUrl,
            organization,
            `/v1/me/invitations/${invitation.id}`,
          ),
        })),
        nextCursor: null,
      }
    },
  )

  app.post(
    '/v1/me/invitations/:id/accept',
    {
      schema: {
        operationId: 'acceptMyInvitation',
        tags,
        summary: 'Accept one of my pending invitations by id (my verified email stands in for the token)',
        params: MyInvitationParams,
        response: { ...AcceptedSchema, ...problems(400, 401, 403, 404, 409, 410) },
      },
    },
    async (request) =>
      acceptedBody(await acceptInvitation(deps, actorOf(request), { id: request.params.id })),
  )

  app.post(
    '/v1/me/invitations/:id/decline',
    {
      schema: {
        operationId: 'declineMyInvitation',
        tags,
        summary: 'Decline one of my pending invitations by id',
        params: MyInvitationParams,
        response: { 204: NoContent, ...problems(400, 401, 403, 404, 410) },
      },
    },
    async (request, reply) => {
      await declineInvitation(deps, actorOf(request), { id: request.params.id })
      return reply.code(204).send()
    },
  )
}
