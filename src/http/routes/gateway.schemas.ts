// Shapes of the gateway's calls, plans and usage (API.md "Gateways", "Plans, rate limits and usage").
import { Type } from 'typebox'
import type { Plan } from '../../domain/plans.ts'
import { PLAN_NAME_PATTERN } from '../../domain/plans.ts'
import type { UsageOutcome } from '../../services/gateway/usage-recorder.ts'
import type { UsageBucket } from '../../store/usage.repository.ts'

const Uuid = Type.String({ format: 'uuid' })
const Timestamp = Type.String({ format: 'date-time' })
const Limit = Type.Integer({ minimum: 1, maximum: 2_000_000_000 })

export const PlanName = Type.String({ minLength: 1, maxLength: 40, pattern: PLAN_NAME_PATTERN })

export const PlanSchema = Type.Object({
  name: Type.String(),
  title: Type.String(),
  requestsPerMinute: Type.Optional(Type.Integer()),
  requestsPerDay: Type.Optional(Type.Integer()),
})
export const PlansSchema = Type.Object({ items: Type.Array(PlanSchema) })
export const PlansBody = Type.Object(
  {
    items: Type.Array(
      Type.Object(
        {
          name: PlanName,
          title: Type.String({ minLength: 1, maxLength: 100 }),
          requestsPerMinute: Type.Optional(Limit),
          requestsPerDay: Type.Optional(Limit),
        },
        { additionalProperties: false },
      ),
      { maxItems: 50 },
    ),
  },
  {
    additionalProperties: false,
    examples: [
      {
        items: [
          { name: 'default', title: 'Free', requestsPerMinute: 60 },
          { name: 'pro', title: 'Pro', requestsPerMinute: 600, requestsPerDay: 100000 },
        ],
      },
    ],
  },
)

export const planBody = (plan: Plan) => ({
  name: plan.name,
  title: plan.title,
  ...(plan.requestsPerMinute !== null ? { requestsPerMinute: plan.requestsPerMinute } : {}),
  ...(plan.requestsPerDay !== null ? { requestsPerDay: plan.requestsPerDay } : {}),
})

const Outcome = Type.Union([
  Type.Literal('allowed'),
  Type.Literal('rate_limited'),
  Type.Literal('not_subscribed'),
  Type.Literal('revoked'),
  Type.Literal('expired'),
  Type.Literal('wrong_environment'),
])
export const UsageQuery = Type.Object(
  {
    from: Type.Optional(Type.String({ description: 'ISO-8601, inclusive; default 24 hours before to' })),
    to: Type.Optional(Type.String({ description: 'ISO-8601, exclusive; default now' })),
    granularity: Type.Optional(Type.Union([Type.Literal('hour'), Type.Literal('day')])),
  },
  { additionalProperties: false },
)
export const UsageSchema = Type.Object({
  items: Type.Array(
    Type.Object({
      start: Timestamp,
      apiId: Type.Union([Uuid, Type.Null()]),
      keyId: Uuid,
      outcome: Outcome,
      count: Type.Integer(),
    }),
  ),
})
export const usageBody = (bucket: UsageBucket) => ({
  start: bucket.start.toISOString(),
  apiId: bucket.apiId,
  keyId: bucket.keyId,
  outcome: bucket.outcome as UsageOutcome,
  count: bucket.count,
})

export const RateLimitSchema = Type.Object({
  limit: Type.Integer(),
  remaining: Type.Integer(),
  reset: Type.Integer({ description: 'seconds until the window ends' }),
})

export const GatewayHeaders = Type.Object({
  'x-gateway-token': Type.Optional(Type.String({ description: 'one of GATEWAY_TOKEN' })),
  'x-api-key': Type.Optional(Type.String({ description: "the client's key (first choice)" })),
  apikey: Type.Optional(Type.String({ description: "the client's key (second choice)" })),
  authorization: Type.Optional(Type.String({ description: "Bearer <the client's key> (third choice)" })),
  'x-original-uri': Type.Optional(Type.String({ description: 'the guarded request (nginx)' })),
  'x-original-method': Type.Optional(Type.String()),
  'x-forwarded-uri': Type.Optional(Type.String({ description: 'the guarded request (Caddy, Traefik)' })),
  'x-forwarded-method': Type.Optional(Type.String()),
  'x-portico-environment': Type.Optional(Type.String({ description: 'the environment this gateway serves' })),
  'x-portico-deny-status': Type.Optional(
    Type.String({ description: '403: answer 403 instead of 429 (nginx)' }),
  ),
})

/** 200 from GET /v1/gateway/authorize: everything is in the headers. */
export const AuthorizationSchema = Type.Unsafe<void>({
  description:
    'Allowed. Who calls is in X-Portico-Organization-Id, X-Portico-Developer-Id, X-Portico-Application-Id, X-Portico-Key-Id, X-Portico-Environment and X-Portico-Api-Id, with RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset under a limited plan. No body.',
})
