// Member, role and permission-check routes (API.md "Members and roles").
import type { ServiceDependencies } from '../../services/dependencies.ts'
import {
  changeMemberRoles,
  checkPermissions,
  listMembers,
  listRoles,
  removalImpact,
  removeMember,
} from '../../services/members/members.service.ts'
import { DEFAULT_PAGE_SIZE } from '../../services/pagination.ts'
import type { App } from '../app-instance.ts'
import { actorOf } from '../auth.ts'
import { NoContent, problems } from './common.schemas.ts'
import {
  ChangeRolesBody,
  listOf,
  MemberParams,
  MemberSchema,
  MembersQuery,
  memberBody,
  OrganizationParams,
  PermissionCheckBody,
  PermissionCheckSchema,
  RemoveMemberQuery,
  RoleSchema,
} from './organizations.schemas.ts'
import { keyBody, RemovalImpactSchema } from './portal.schemas.ts'

const tags = ['members']

export function registerMemberRoutes(app: App, deps: ServiceDependencies) {
  app.get(
    '/v1/organizations/:org/members',
    {
      schema: {
        operationId: 'listMembers',
        tags,
        summary: 'Members with their roles and join dates, in join order; `q` searches names and emails',
        params: OrganizationParams,
        querystring: MembersQuery,
        response: { 200: listOf(MemberSchema), ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const page = await listMembers(deps, actorOf(request), {
        limit: request.query.limit ?? DEFAULT_PAGE_SIZE,
        cursor: request.query.cursor,
        query: request.query.q,
      })
      return { items: page.items.map(memberBody), nextCursor: page.nextCursor }
    },
  )

  app.patch(
    '/v1/organizations/:org/members/:userId',
    {
      schema: {
        operationId: 'setMemberRoles',
        tags,
        summary: "Replace a member's roles (no escalation; only owners touch the owner role)",
        params: MemberParams,
        body: ChangeRolesBody,
        response: { 200: MemberSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) =>
      memberBody(await changeMemberRoles(deps, actorOf(request), request.params.userId, request.body.roles)),
  )

  app.delete(
    '/v1/organizations/:org/members/:userId',
    {
      schema: {
        operationId: 'removeMember',
        tags,
        summary:
          'Remove a member, or leave when the id is your own; `revokeKeys=true` also revokes every live key they created',
        description:
          'An external API subscriber’s applications are theirs alone: their keys are revoked when the membership ends, asked or not.',
        params: MemberParams,
        querystring: RemoveMemberQuery,
        response: { 204: NoContent, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await removeMember(deps, actorOf(request), request.params.userId, {
        revokeKeys: request.query.revokeKeys,
      })
      return reply.code(204).send()
    },
  )

  app.get(
    '/v1/organizations/:org/members/:userId/removal-impact',
    {
      schema: {
        operationId: 'getRemovalImpact',
        tags,
        summary:
          'What removing this member takes: the live keys they created (what revokeKeys=true revokes, with those that go anyway) and the applications they created',
        params: MemberParams,
        response: { 200: RemovalImpactSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const impact = await removalImpact(deps, actorOf(request), request.params.userId)
      return { keys: impact.keys.map(keyBody), applications: impact.applications }
    },
  )

  app.get(
    '/v1/organizations/:org/roles',
    {
      schema: {
        operationId: 'listRoles',
        tags,
        summary: 'The built-in roles and their permissions',
        params: OrganizationParams,
        response: { 200: listOf(RoleSchema), ...problems(401, 403, 404) },
      },
    },
    async (request) => ({ items: [...listRoles(actorOf(request))], nextCursor: null }),
  )

  app.post(
    '/v1/organizations/:org/permissions/check',
    {
      schema: {
        operationId: 'checkPermissions',
        tags,
        summary: 'May a user (default: the caller) do these things in this organization?',
        params: OrganizationParams,
        body: PermissionCheckBody,
        response: { 200: PermissionCheckSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => ({ allowed: await checkPermissions(deps, actorOf(request), request.body) }),
  )
}
