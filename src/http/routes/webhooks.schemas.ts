// Request and response shapes of the webhook and developer-identity routes (API.md "Webhooks",
// "The developer identity").
import { Type } from 'typebox'
import {
  type Delivery,
  WEBHOOK_FILTERS_MAX,
  WEBHOOK_URL_MAX_LENGTH,
  type Webhook,
} from '../../domain/webhooks.ts'
import { OrganizationParams, PageQuery } from './organizations.schemas.ts'

const Uuid = Type.String({ format: 'uuid' })
const Timestamp = Type.String({ format: 'date-time' })
const Org = OrganizationParams.properties.org
const Url = Type.String({ minLength: 1, maxLength: WEBHOOK_URL_MAX_LENGTH, description: 'http or https' })
const Filters = Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
  minItems: 1,
  maxItems: WEBHOOK_FILTERS_MAX,
  description: 'event types, or prefixes ending in * (`member.*`, `*`)',
})
const Description = Type.String({ maxLength: 2000 })

export const WebhookParams = Type.Object({ org: Org, id: Uuid })
export const DeliveryParams = Type.Object({ org: Org, id: Uuid, deliveryId: Uuid })

const StatusSchema = Type.Union([Type.Literal('pending'), Type.Literal('succeeded'), Type.Literal('failed')])

export const DeliveriesQuery = Type.Object({ ...PageQuery.properties, status: Type.Optional(StatusSchema) })

export const WebhookSchema = Type.Object({
  id: Uuid,
  url: Type.String(),
  events: Type.Array(Type.String()),
  description: Type.String(),
  enabled: Type.Boolean(),
  disabledReason: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
})
export const WebhookWithSecretSchema = Type.Object({
  ...WebhookSchema.properties,
  secret: Type.String({ description: 'whsec_ + base64 of 32 random bytes; shown only in this answer' }),
})
export const CreateWebhookBody = Type.Object(
  { url: Url, events: Filters, description: Type.Optional(Description) },
  {
    additionalProperties: false,
    examples: [
      {
        url: 'https://hooks.example.com/portico',
        events: ['member.*', 'organization.created'],
        description: 'CRM sync',
      },
    ],
  },
)
export const UpdateWebhookBody = Type.Object(
  {
    url: Type.Optional(Url),
    events: Type.Optional(Filters),
    description: Type.Optional(Description),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, examples: [{ enabled: false }] },
)

export const DeliverySchema = Type.Object({
  id: Uuid,
  eventId: Uuid,
  type: Type.String(),
  status: StatusSchema,
  attempts: Type.Integer(),
  lastStatusCode: Type.Union([Type.Integer(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
  nextAttemptAt: Type.Union([Timestamp, Type.Null()]),
  createdAt: Timestamp,
  completedAt: Type.Union([Timestamp, Type.Null()]),
})

const iso = (date: Date | null) => (date ? date.toISOString() : null)

export const webhookBody = (webhook: Webhook) => ({
  id: webhook.id,
  url: webhook.url,
  events: webhook.events,
  description: webhook.description,
  enabled: webhook.enabled,
  disabledReason: webhook.disabledReason,
  createdAt: webhook.createdAt.toISOString(),
})

export const deliveryBody = (delivery: Delivery) => ({
  id: delivery.id,
  eventId: delivery.eventId,
  type: delivery.type,
  status: delivery.status,
  attempts: delivery.attempts,
  lastStatusCode: delivery.lastStatusCode,
  lastError: delivery.lastError,
  nextAttemptAt: iso(delivery.nextAttemptAt),
  createdAt: delivery.createdAt.toISOString(),
  completedAt: iso(delivery.completedAt),
})
