// Organization routes (API.md "Organizations"): parse, call the organizations service, shape.
import type { FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { LOGO_MAX_BYTES } from '../../domain/images.ts'
import { membershipOf } from '../../services/access.ts'
import type { ServiceDependencies } from '../../services/dependencies.ts'
import { readDeveloper } from '../../services/developers/developers.service.ts'
import {
  checkHandleAvailability,
  createOrganization,
  deleteOrganization,
  getOrganization,
  getOrganizationLogo,
  listOrganizationsOfActor,
  organizationCreationAllowance,
  removeOrganizationLogo,
  renameOrganization,
  setOrganizationLogo,
} from '../../services/organizations/organizations.service.ts'
import { DEFAULT_PAGE_SIZE } from '../../services/pagination.ts'
import type { App } from '../app-instance.ts'
import { actorOf } from '../auth.ts'
import { NoContent, problems } from './common.schemas.ts'
import { DeveloperSchema, developerBody } from './developers.schemas.ts'
import {
  CreateOrganizationBody,
  HandleAvailabilityQuery,
  HandleAvailabilitySchema,
  LogoQuery,
  LogoResponses,
  listOf,
  logoTypes,
  MyOrganizationSchema,
  OrganizationCreationAllowanceSchema,
  OrganizationParams,
  OrganizationSchema,
  organizationBody,
  PageQuery,
  sendLogo,
  UpdateOrganizationBody,
} from './organizations.schemas.ts'

const tags = ['organizations']

export function registerOrganizationRoutes(app: App, deps: ServiceDependencies) {
  const { publicUrl } = deps

  app.post(
    '/v1/organizations',
    {
      schema: {
        operationId: 'createOrganization',
        tags,
        summary: 'Create an organization; the caller becomes its owner',
        body: CreateOrganizationBody,
        response: {
          201: Type.Object({
            ...OrganizationSchema.properties,
            developer: Type.Optional(DeveloperSchema),
          }),
          ...problems(400, 401, 403, 409, 502),
        },
      },
    },
    async (request, reply) => {
      const created = await createOrganization(deps, actorOf(request), request.body)
      const body = organizationBody(publicUrl, created)
      // With a provider portal, the answer shows the developer identity (active once provisioned).
      if (!deps.providerPortal) return reply.code(201).send(body)
      const developer = await readDeveloper(deps, deps.db, created.organization)
      return reply.code(201).send({ ...body, developer: developerBody(developer) })
    },
  )

  app.get(
    '/v1/organizations',
    {
      schema: {
        operationId: 'listOrganizations',
        tags,
        summary: "The caller's organizations, with their roles and join dates",
        querystring: PageQuery,
        response: { 200: listOf(MyOrganizationSchema), ...problems(400, 401) },
      },
    },
    async (request) => {
      const page = await listOrganizationsOfActor(deps, actorOf(request), {
        limit: request.query.limit ?? DEFAULT_PAGE_SIZE,
        cursor: request.query.cursor,
      })
      return {
        items: page.items.map((membership) => ({
          ...organizationBody(
            publicUrl,
            membershipOf(membership.organization, membership.roles, membership.joinedAt),
          ),
          joinedAt: membership.joinedAt.toISOString(),
        })),
        nextCursor: page.nextCursor,
      }
    },
  )

  // Two additions to API.md for the console's first run: what a handle would meet at creation,
  // asked as the person types, and the creation limit, said before the form.
  app.get(
    '/v1/handle-availability',
    {
      schema: {
        operationId: 'checkHandleAvailability',
        tags,
        summary:
          'Whether a handle could be given to a new organization now (the handle rule, then taken or not)',
        querystring: HandleAvailabilityQuery,
        response: { 200: HandleAvailabilitySchema, ...problems(400, 401) },
      },
    },
    (request) => checkHandleAvailability(deps, actorOf(request), request.query.handle),
  )

  app.get(
    '/v1/me/organization-limit',
    {
      schema: {
        operationId: 'getOrganizationLimit',
        tags,
        summary: 'How many organizations the caller may create (ORG_CREATION_LIMIT) and has created',
        response: { 200: OrganizationCreationAllowanceSchema, ...problems(401) },
      },
    },
    (request) => organizationCreationAllowance(deps, actorOf(request)),
  )

  app.get(
    '/v1/organizations/:org',
    {
      schema: {
        operationId: 'getOrganization',
        tags,
        summary: 'An organization, with the caller’s roles and permissions in it',
        params: OrganizationParams,
        response: { 200: OrganizationSchema, ...problems(401, 403, 404) },
      },
    },
    (request) => organizationBody(publicUrl, getOrganization(actorOf(request))),
  )

  app.patch(
    '/v1/organizations/:org',
    {
      schema: {
        operationId: 'updateOrganization',
        tags,
        summary: 'Rename an organization (its id and handle never change)',
        params: OrganizationParams,
        body: UpdateOrganizationBody,
        response: { 200: OrganizationSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) =>
      organizationBody(publicUrl, await renameOrganization(deps, actorOf(request), request.body)),
  )

  app.delete(
    '/v1/organizations/:org',
    {
      schema: {
        operationId: 'deleteOrganization',
        tags,
        summary: 'Delete an organization with its members, invitations and resources (owners only)',
        params: OrganizationParams,
        response: { 204: NoContent, ...problems(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await deleteOrganization(deps, actorOf(request))
      return reply.code(204).send()
    },
  )

  // The logo routes take raw image bodies; their parsers stay in this scope.
  app.register(async (scope) => {
    scope.addContentTypeParser(
      logoTypes,
      { parseAs: 'buffer', bodyLimit: LOGO_MAX_BYTES },
      (_request, body, done) => done(null, body),
    )

    scope.put(
      '/v1/organizations/:org/logo',
      {
        bodyLimit: LOGO_MAX_BYTES,
        schema: {
          operationId: 'setOrganizationLogo',
          tags,
          summary:
            'Upload a logo: PNG, JPEG, WebP or GIF, at most 1 MiB and 4096×4096 pixels (checked by content)',
          consumes: logoTypes,
          params: OrganizationParams,
          response: { 200: OrganizationSchema, ...problems(400, 401, 403, 404, 413, 415) },
        },
      },
      async (request: FastifyRequest<{ Params: { org: string } }>) => {
        const body = request.body
        const bytes = Buffer.isBuffer(body) ? body : Buffer.alloc(0)
        return organizationBody(publicUrl, await setOrganizationLogo(deps, actorOf(request), bytes))
      },
    )
  })

  app.delete(
    '/v1/organizations/:org/logo',
    {
      schema: {
        operationId: 'removeOrganizationLogo',
        tags,
        summary: 'Remove the logo',
        params: OrganizationParams,
        response: { 204: NoContent, ...problems(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await removeOrganizationLogo(deps, actorOf(request))
      return reply.code(204).send()
    },
  )

  app.get(
    '/v1/organizations/:org/logo',
    {
      schema: {
        operationId: 'getOrganizationLogo',
        tags,
        summary: 'The logo image, with its real content type',
        params: OrganizationParams,
        querystring: LogoQuery,
        produces: logoTypes,
        response: { ...LogoResponses, ...problems(401, 403, 404) },
      },
    },
    async (request, reply) => sendLogo(request, reply, await getOrganizationLogo(deps, actorOf(request))),
  )
}
