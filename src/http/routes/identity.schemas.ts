// Request and response shapes of the identity routes (API.md "Identity").
import { Type } from 'typebox'
import { EMAIL_MAX_LENGTH } from '../../domain/emails.ts'
import { NAME_MAX_LENGTH, NAME_PATTERN } from '../../domain/names.ts'
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../../domain/passwords.ts'
import type { User } from '../../domain/users.ts'
import { RoleNameSchema } from './organizations.schemas.ts'

export const Email = Type.String({ format: 'email', maxLength: EMAIL_MAX_LENGTH })
const Password = Type.String({ minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH })
const MailedToken = Type.String({ minLength: 1, maxLength: 200 })

export const UserSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  email: Type.String(),
  name: Type.String(),
  emailVerified: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
})

export const SignUpBody = Type.Object(
  {
    email: Email,
    password: Password,
    name: Type.String({ minLength: 1, maxLength: NAME_MAX_LENGTH, pattern: NAME_PATTERN }),
    invitationToken: Type.Optional(MailedToken),
  },
  {
    additionalProperties: false,
    examples: [{ email: 'ada@example.com', password: 'correct horse battery', name: 'Ada Lovelace' }],
  },
)

export const SignInBody = Type.Object(
  // Any password length is accepted here: a wrong one is simply wrong (but bounded for argon2).
  {
    email: Type.String({ maxLength: EMAIL_MAX_LENGTH }),
    password: Type.String({ maxLength: PASSWORD_MAX_LENGTH }),
  },
  {
    additionalProperties: false,
    examples: [{ email: 'ada@example.com', password: 'correct horse battery' }],
  },
)

export const SignedInSchema = Type.Object({ user: UserSchema, token: Type.String() })

export const MeSchema = Type.Object({
  user: UserSchema,
  activeOrganizationId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
  organizations: Type.Array(
    Type.Object({
      id: Type.String({ format: 'uuid' }),
      handle: Type.String(),
      name: Type.String(),
      logoUrl: Type.Union([Type.String(), Type.Null()]),
      roles: Type.Array(RoleNameSchema),
      joinedAt: Type.String({ format: 'date-time' }),
    }),
  ),
})

export const TokenBody = Type.Object(
  { token: MailedToken },
  { additionalProperties: false, examples: [{ token: 'k7Jq0m1TzQk3VYw8oXcR2bQ5nE4uA9sL6dFhGiPjWxM' }] },
)

export const PasswordResetBody = Type.Object(
  { email: Type.String({ maxLength: EMAIL_MAX_LENGTH }) },
  { additionalProperties: false, examples: [{ email: 'ada@example.com' }] },
)

export const PasswordResetConfirmBody = Type.Object(
  { token: MailedToken, password: Password },
  {
    additionalProperties: false,
    examples: [{ token: 'k7Jq0m1TzQk3VYw8oXcR2bQ5nE4uA9sL6dFhGiPjWxM', password: 'a new long passphrase' }],
  },
)

export const UserEnvelope = Type.Object({ user: UserSchema })

export const SessionParams = Type.Object({ id: Type.String({ format: 'uuid' }) })

export const SessionsSchema = Type.Object({
  items: Type.Array(
    Type.Object({
      id: Type.String({ format: 'uuid' }),
      createdAt: Type.String({ format: 'date-time' }),
      lastSeenAt: Type.String({ format: 'date-time' }),
      expiresAt: Type.String({ format: 'date-time' }),
      userAgent: Type.Union([Type.String(), Type.Null()]),
      current: Type.Boolean(),
    }),
  ),
})

export function userBody(user: User) {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    emailVerified: user.emailVerified,
    createdAt: user.createdAt.toISOString(),
  }
}
