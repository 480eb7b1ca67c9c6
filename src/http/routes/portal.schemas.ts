// Request and response shapes of the developer-portal routes (API.md "Developer-portal resources").
import { Type } from 'typebox'
import { API_KEY_MAX_LENGTH, MAX_ROTATION_GRACE_SECONDS } from '../../domain/api-keys.ts'
import { NAME_PATTERN } from '../../domain/names.ts'
import {
  API_BASE_PATH_MAX_LENGTH,
  API_BASE_PATH_PATTERN,
  type Api,
  type ApiKey,
  type Application,
  ENVIRONMENT_NAME_PATTERN,
  type Environment,
  type Subscription,
} from '../../domain/portal.ts'
import { PlanName, RateLimitSchema } from './gateway.schemas.ts'
import { OrganizationParams } from './organizations.schemas.ts'

const Uuid = Type.String({ format: 'uuid' })
const Timestamp = Type.String({ format: 'date-time' })
const Org = OrganizationParams.properties.org
const Name = Type.String({ minLength: 1, maxLength: 100, pattern: NAME_PATTERN })
const Description = Type.String({ maxLength: 2000 })
const Version = Type.String({ minLength: 1, maxLength: 50, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' })
const BasePath = Type.String({
  minLength: 1,
  maxLength: API_BASE_PATH_MAX_LENGTH,
  pattern: API_BASE_PATH_PATTERN,
  description: '/segment(/segment)* of a-z 0-9 - _ . ~; no `.` or `..` segment',
})
const EnvironmentName = Type.String({ minLength: 1, maxLength: 32, pattern: ENVIRONMENT_NAME_PATTERN })

export const IdParams = Type.Object({ org: Org, id: Uuid })
export const SubscriptionParams = Type.Object({ org: Org, id: Uuid, subscriptionId: Uuid })
export const KeyParams = Type.Object({ org: Org, id: Uuid, keyId: Uuid })

export const ApiSchema = Type.Object({
  id: Uuid,
  name: Type.String(),
  version: Type.String(),
  basePath: Type.String(),
  description: Type.String(),
  status: Type.Union([Type.Literal('draft'), Type.Literal('published'), Type.Literal('deprecated')]),
  createdAt: Timestamp,
  createdBy: Type.Union([Uuid, Type.Null()]),
})
export const CreateApiBody = Type.Object(
  { name: Name, version: Version, basePath: BasePath, description: Type.Optional(Description) },
  {
    additionalProperties: false,
    examples: [
      { name: 'Payments', version: 'v1', basePath: '/payments', description: 'Charges and refunds' },
    ],
  },
)
export const UpdateApiBody = Type.Object(
  {
    name: Type.Optional(Name),
    version: Type.Optional(Version),
    basePath: Type.Optional(BasePath),
    description: Type.Optional(Description),
  },
  { additionalProperties: false, examples: [{ description: 'Charges, refunds and payouts' }] },
)

export const EnvironmentSchema = Type.Object({ id: Uuid, name: Type.String(), createdAt: Timestamp })
export const EnvironmentBody = Type.Object(
  { name: EnvironmentName },
  { additionalProperties: false, examples: [{ name: 'staging' }] },
)

export const ApplicationSchema = Type.Object({
  id: Uuid,
  name: Type.String(),
  description: Type.String(),
  createdAt: Timestamp,
  createdBy: Type.Union([Uuid, Type.Null()]),
})
export const CreateApplicationBody = Type.Object(
  { name: Name, description: Type.Optional(Description) },
  { additionalProperties: false, examples: [{ name: 'Checkout', description: 'The web shop' }] },
)
export const UpdateApplicationBody = Type.Object(
  { name: Type.Optional(Name), description: Type.Optional(Description) },
  { additionalProperties: false, examples: [{ description: 'The web shop and its mobile app' }] },
)

export const SubscriptionSchema = Type.Object({
  id: Uuid,
  applicationId: Uuid,
  apiId: Uuid,
  plan: Type.String(),
  createdAt: Timestamp,
})
export const SubscribeBody = Type.Object(
  { apiId: Uuid, plan: Type.Optional(PlanName) },
  {
    additionalProperties: false,
    examples: [{ apiId: '0b6f1c2e-8d1a-4c57-9a3e-6f2d4b8c1e90', plan: 'default' }],
  },
)

export const KeySchema = Type.Object({
  id: Uuid,
  name: Type.String(),
  environment: Type.String(),
  prefix: Type.String(),
  last4: Type.String(),
  createdAt: Timestamp,
  createdBy: Type.Union([Uuid, Type.Null()]),
  lastUsedAt: Type.Union([Timestamp, Type.Null()]),
  expiresAt: Type.Union([Timestamp, Type.Null()]),
})
/** What a member's removal takes of the portal (API.md "Members and roles", removal-impact). */
export const RemovalImpactSchema = Type.Object({
  keys: Type.Array(KeySchema),
  applications: Type.Array(Type.Object({ id: Uuid, name: Type.String() })),
})
export const KeyWithSecretSchema = Type.Object({
  ...KeySchema.properties,
  secret: Type.String({ description: 'shown once, never again' }),
})
export const CreateKeyBody = Type.Object(
  { environment: EnvironmentName, name: Type.Optional(Name), expiresAt: Type.Optional(Timestamp) },
  { additionalProperties: false, examples: [{ environment: 'production', name: 'checkout server' }] },
)
export const RotateKeyBody = Type.Object(
  {
    gracePeriodSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_ROTATION_GRACE_SECONDS })),
    expiresAt: Type.Optional(
      Type.String({
        format: 'date-time',
        description:
          "the new key's expiry; default: the expiry the old key was issued with (never its grace deadline)",
      }),
    ),
  },
  { additionalProperties: false, examples: [{ gracePeriodSeconds: 3600 }] },
)

export const VerifyKeyBody = Type.Object(
  {
    key: Type.String({ maxLength: API_KEY_MAX_LENGTH * 10 }),
    apiId: Type.Optional(Uuid),
    environment: Type.Optional(
      Type.String({
        maxLength: 100,
        description: 'the environment the gateway serves: any other (or unknown) name is wrong_environment',
      }),
    ),
  },
  {
    additionalProperties: false,
    examples: [
      {
        key: 'portico_production_3kQ9vR2mXw7TfL1bN8cZ4hJ6yP0sD5gA',
        apiId: '0b6f1c2e-8d1a-4c57-9a3e-6f2d4b8c1e90',
        environment: 'production',
      },
    ],
  },
)
export const VerificationSchema = Type.Object({
  valid: Type.Boolean(),
  organizationId: Type.Optional(Uuid),
  developerId: Type.Optional(Uuid),
  applicationId: Type.Optional(Uuid),
  environment: Type.Optional(Type.String({ description: 'the environment the key was issued for' })),
  keyId: Type.Optional(Uuid),
  apiId: Type.Optional(Uuid),
  rateLimit: Type.Optional(RateLimitSchema),
  code: Type.Optional(
    Type.Union([
      Type.Literal('unknown'),
      Type.Literal('revoked'),
      Type.Literal('expired'),
      Type.Literal('not_subscribed'),
      Type.Literal('wrong_environment'),
      Type.Literal('rate_limited'),
    ]),
  ),
})

const iso = (date: Date | null) => (date ? date.toISOString() : null)

export const apiBody = (api: Api) => ({
  id: api.id,
  name: api.name,
  version: api.version,
  basePath: api.basePath,
  description: api.description,
  status: api.status,
  createdAt: api.createdAt.toISOString(),
  createdBy: api.createdBy,
})
export const environmentBody = (environment: Environment) => ({
  id: environment.id,
  name: environment.name,
  createdAt: environment.createdAt.toISOString(),
})
export const applicationBody = (application: Application) => ({
  id: application.id,
  name: application.name,
  description: application.description,
  createdAt: application.createdAt.toISOString(),
  createdBy: application.createdBy,
})
export const subscriptionBody = (subscription: Subscription) => ({
  id: subscription.id,
  applicationId: subscription.applicationId,
  apiId: subscription.apiId,
  plan: subscription.plan,
  createdAt: subscription.createdAt.toISOString(),
})
export const keyBody = (key: ApiKey) => ({
  id: key.id,
  name: key.name,
  environment: key.environment,
  prefix: key.prefix,
  last4: key.last4,
  createdAt: key.createdAt.toISOString(),
  createdBy: key.createdBy,
  lastUsedAt: iso(key.lastUsedAt),
  expiresAt: iso(key.expiresAt),
})
