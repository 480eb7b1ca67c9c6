// Request and response shapes of the organization, member and role routes (API.md).
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { HANDLE_MAX_LENGTH } from '../../domain/handles.ts'
import { NAME_PATTERN } from '../../domain/names.ts'
import {
  type Member,
  type MembershipOfUser,
  ORGANIZATION_NAME_MAX_LENGTH,
} from '../../domain/organizations.ts'
import { allPermissions, type Permission, type RoleName, roleNames } from '../../domain/permissions.ts'
import type { ActorMembership } from '../../services/access.ts'
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../services/pagination.ts'
import type { Logo } from '../../store/organizations.repository.ts'

const Uuid = Type.String({ format: 'uuid' })
const Timestamp = Type.String({ format: 'date-time' })
// Role names and permissions are the domain's types in every shape (the console's included), and an
// enum in the OpenAPI document; a plain string enum, so answers serialize as fast as strings do.
export const RoleNameSchema = Type.Unsafe<RoleName>(Type.String({ enum: roleNames }))
export const PermissionSchema = Type.Unsafe<Permission>(Type.String({ enum: allPermissions }))
const OrganizationName = Type.String({
  minLength: 1,
  maxLength: ORGANIZATION_NAME_MAX_LENGTH,
  pattern: NAME_PATTERN,
})

export const OrganizationParams = Type.Object({
  org: Type.String({ minLength: 1, maxLength: 64, description: 'the organization id or handle' }),
})
export const MemberParams = Type.Object({ org: OrganizationParams.properties.org, userId: Uuid })

export const PageQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE })),
  cursor: Type.Optional(Type.String({ maxLength: 512 })),
})
export const RemoveMemberQuery = Type.Object({
  revokeKeys: Type.Optional(
    Type.Boolean({ default: false, description: 'also revoke every live key the member created' }),
  ),
})

export const MembersQuery = Type.Object({
  ...PageQuery.properties,
  q: Type.Optional(Type.String({ maxLength: 200, description: 'matches names and emails' })),
})

export const OrganizationSchema = Type.Object({
  id: Uuid,
  handle: Type.String(),
  name: Type.String(),
  logoUrl: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
  roles: Type.Array(RoleNameSchema, { description: "the caller's roles" }),
  permissions: Type.Array(PermissionSchema, { description: "the caller's permissions" }),
})

export const MyOrganizationSchema = Type.Object({ ...OrganizationSchema.properties, joinedAt: Timestamp })

export const CreateOrganizationBody = Type.Object(
  {
    name: OrganizationName,
    handle: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: HANDLE_MAX_LENGTH + 20,
        description: '3–40 of a-z 0-9 -, starting with a letter',
      }),
    ),
  },
  { additionalProperties: false, examples: [{ name: 'Acme Payments', handle: 'acme-payments' }] },
)
export const UpdateOrganizationBody = Type.Object(
  { name: Type.Optional(OrganizationName) },
  { additionalProperties: false, examples: [{ name: 'Acme Payments Ltd' }] },
)

export const MemberSchema = Type.Object({
  userId: Uuid,
  email: Type.String(),
  name: Type.String(),
  roles: Type.Array(RoleNameSchema),
  joinedAt: Timestamp,
})
export const ChangeRolesBody = Type.Object(
  { roles: Type.Array(RoleNameSchema, { minItems: 1, maxItems: roleNames.length, uniqueItems: true }) },
  { additionalProperties: false, examples: [{ roles: ['admin'] }] },
)

export const RoleSchema = Type.Object({
  name: RoleNameSchema,
  title: Type.String(),
  description: Type.String(),
  permissions: Type.Array(PermissionSchema),
})

export const PermissionCheckBody = Type.Object(
  {
    userId: Type.Optional(Uuid),
    permissions: Type.Array(PermissionSchema, { minItems: 1, maxItems: allPermissions.length }),
  },
  { additionalProperties: false, examples: [{ permissions: ['member:invite', 'api:publish'] }] },
)
export const PermissionCheckSchema = Type.Object({ allowed: Type.Record(Type.String(), Type.Boolean()) })

export const ActiveOrganizationBody = Type.Object(
  {
    organizationId: Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'an organization id (or handle)',
    }),
  },
  { additionalProperties: false, examples: [{ organizationId: 'acme-payments' }] },
)
export const ActiveOrganizationSchema = Type.Object({ activeOrganizationId: Uuid })

export function listOf<T extends Parameters<typeof Type.Array>[0]>(item: T) {
  return Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) })
}

export const HandleAvailabilityQuery = Type.Object({
  handle: Type.String({ maxLength: 200, description: 'the handle to check' }),
})

export const HandleAvailabilitySchema = Type.Object({
  handle: Type.String(),
  available: Type.Boolean(),
  reason: Type.Union([Type.Literal('taken'), Type.Literal('invalid'), Type.Null()], {
    description: '`taken`: an organization has it; `invalid`: it breaks the handle rule; null when available',
  }),
})

export const OrganizationCreationAllowanceSchema = Type.Object({
  limit: Type.Union([Type.Integer(), Type.Null()], {
    description: 'organizations the caller may create (ORG_CREATION_LIMIT); null: no limit',
  }),
  created: Type.Integer({ description: 'organizations the caller created that still exist' }),
})

/** The image types a logo may have, as uploaded and as served. */
export const logoTypes = ['image/png', 'image/jpeg', 'image/webp', 'image/gif']

export const LogoQuery = Type.Object({
  v: Type.Optional(Type.String({ description: 'cache buster; ignored' })),
})

export const LogoResponses = {
  200: Type.Unsafe<Buffer>({ description: 'The image', type: 'string', format: 'binary' }),
  304: Type.Unsafe<void>({ description: 'Not modified' }),
}

/**
 * A logo, wherever it is served from (the organization's path, or an invitation's for its invitee):
 * revalidated by ETag every time (access can end), never sniffed or run as a document.
 */
export function sendLogo(request: FastifyRequest, reply: FastifyReply, logo: Logo) {
  const etag = `"${logo.etag}"`
  reply
    .header('etag', etag)
    .header('cache-control', 'private, no-cache')
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', "default-src 'none'")
  if (request.headers['if-none-match'] === etag) return reply.code(304).send()
  return reply.type(logo.contentType).send(logo.bytes)
}

export function logoUrlOf(
  publicUrl: string,
  organization: { id: string; logoEtag: string | null },
): string | null {
  return organization.logoEtag
    ? `${publicUrl}/v1/organizations/${organization.id}/logo?v=${organization.logoEtag.slice(0, 12)}`
    : null
}

export function organizationBody(publicUrl: string, { organization, access }: ActorMembership) {
  return {
    id: organization.id,
    handle: organization.handle,
    name: organization.name,
    logoUrl: logoUrlOf(publicUrl, organization),
    createdAt: organization.createdAt.toISOString(),
    roles: access.roles,
    permissions: access.permissions.list(),
  }
}

export function myOrganizationBody(publicUrl: string, membership: MembershipOfUser) {
  const { organization } = membership
  return {
    id: organization.id,
    handle: organization.handle,
    name: organization.name,
    logoUrl: logoUrlOf(publicUrl, organization),
    roles: membership.roles,
    joinedAt: membership.joinedAt.toISOString(),
  }
}

export function memberBody(member: Member) {
  return {
    userId: member.userId,
    email: member.email,
    name: member.name,
    roles: member.roles,
    joinedAt: member.joinedAt.toISOString(),
  }
}
