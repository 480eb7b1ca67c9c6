// Request and response shapes of the invitation routes (API.md "Invitations").
import { Type } from 'typebox'
import { EMAIL_MAX_LENGTH } from '../../domain/emails.ts'
import type { Invitation } from '../../domain/invitation-policy.ts'
import type { Organization } from '../../domain/organizations.ts'
import { roleNames } from '../../domain/permissions.ts'
import { OrganizationParams, PageQuery, RoleNameSchema } from './organizations.schemas.ts'

const Uuid = Type.String({ format: 'uuid' })
const Timestamp = Type.String({ format: 'date-time' })
const Status = Type.Union([
  Type.Literal('pending'),
  Type.Literal('accepted'),
  Type.Literal('declined'),
  Type.Literal('revoked'),
  Type.Literal('expired'),
])

export const InvitationSchema = Type.Object({
  id: Uuid,
  email: Type.String(),
  roles: Type.Array(RoleNameSchema),
  status: Status,
  invitedBy: Type.Object({ userId: Type.Union([Uuid, Type.Null()]), name: Type.String() }),
  createdAt: Timestamp,
  expiresAt: Timestamp,
})

export const InviteBody = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: EMAIL_MAX_LENGTH }),
    roles: Type.Array(RoleNameSchema, { minItems: 1, maxItems: roleNames.length, uniqueItems: true }),
  },
  { additionalProperties: false, examples: [{ email: 'grace@example.com', roles: ['admin'] }] },
)

export const InvitationParams = Type.Object({ org: OrganizationParams.properties.org, id: Uuid })
export const InvitationsQuery = Type.Object({ ...PageQuery.properties, status: Type.Optional(Status) })
export const TokenParams = Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }) })
export const MyInvitationParams = Type.Object({ id: Uuid })

export const InvitationOrganizationSchema = Type.Object({
  id: Uuid,
  handle: Type.String(),
  name: Type.String(),
  logoUrl: Type.Union([Type.String(), Type.Null()]),
})

export const InvitationPreviewSchema = Type.Object({
  organization: InvitationOrganizationSchema,
  email: Type.String(),
  roles: Type.Array(RoleNameSchema),
  invitedBy: Type.Object({ name: Type.String() }),
  expiresAt: Timestamp,
  status: Status,
})

export const MyInvitationSchema = Type.Object({
  ...InvitationSchema.properties,
  organization: InvitationOrganizationSchema,
})

export function invitationBody(invitation: Invitation, status: Invitation['status']) {
  return {
    id: invitation.id,
    email: invitation.email,
    roles: invitation.roles,
    status,
    invitedBy: invitation.invitedBy,
    createdAt: invitation.createdAt.toISOString(),
    expiresAt: invitation.expiresAt.toISOString(),
  }
}

/**
 * The organization an invitation opens. Its logo is served under the invitation's own path
 * (`/v1/invitations/{token}` or `/v1/me/invitations/{id}`): the invitee may not read the
 * organization's.
 */
export function invitationOrganizationBody(
  publicUrl: string,
  organization: Organization,
  invitationPath: string,
) {
  return {
    id: organization.id,
    handle: organization.handle,
    name: organization.name,
    logoUrl: organization.logoEtag
      ? `${publicUrl}${invitationPath}/logo?v=${organization.logoEtag.slice(0, 12)}`
      : null,
  }
}
