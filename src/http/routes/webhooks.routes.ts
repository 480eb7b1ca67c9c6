// Webhook routes (API.md "Webhooks") and the developer identity ("The developer identity").
// Parse, call the service, shape. Answers that carry a secret say `carriesSecret` (no-store).
import type { ServiceDependencies } from '../../services/dependencies.ts'
import { getDeveloper, syncDeveloper } from '../../services/developers/developers.service.ts'
import { DEFAULT_PAGE_SIZE } from '../../services/pagination.ts'
import {
  createWebhook,
  deleteWebhook,
  getWebhook,
  listDeliveries,
  listWebhooks,
  retryDelivery,
  rotateWebhookSecret,
  sendTestEvent,
  updateWebhook,
  type WebhookWithSecret,
} from '../../services/webhooks/webhooks.service.ts'
import type { App } from '../app-instance.ts'
import { actorOf } from '../auth.ts'
import { Accepted, NoContent, problems } from './common.schemas.ts'
import { DeveloperSchema, developerBody } from './developers.schemas.ts'
import { listOf, OrganizationParams, PageQuery } from './organizations.schemas.ts'
import {
  CreateWebhookBody,
  DeliveriesQuery,
  DeliveryParams,
  DeliverySchema,
  deliveryBody,
  UpdateWebhookBody,
  WebhookParams,
  WebhookSchema,
  WebhookWithSecretSchema,
  webhookBody,
} from './webhooks.schemas.ts'

const withSecret = ({ webhook, secret }: WebhookWithSecret) => ({ ...webhookBody(webhook), secret })

export function registerWebhookRoutes(app: App, deps: ServiceDependencies) {
  const base = '/v1/organizations/:org/webhooks'
  const tags = ['webhooks']
  const page = (query: { limit?: number; cursor?: string }) => ({
    limit: query.limit ?? DEFAULT_PAGE_SIZE,
    cursor: query.cursor,
  })

  app.get(
    base,
    {
      schema: {
        operationId: 'listWebhooks',
        tags,
        summary: "The organization's webhook endpoints",
        params: OrganizationParams,
        querystring: PageQuery,
        response: { 200: listOf(WebhookSchema), ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const result = await listWebhooks(deps, actorOf(request), page(request.query))
      return { items: result.items.map(webhookBody), nextCursor: result.nextCursor }
    },
  )
  app.post(
    base,
    {
      config: { carriesSecret: true },
      schema: {
        operationId: 'createWebhook',
        tags,
        summary: 'Add an endpoint; its secret is in this answer only',
        params: OrganizationParams,
        body: CreateWebhookBody,
        response: { 201: WebhookWithSecretSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (request, reply) =>
      reply.code(201).send(withSecret(await createWebhook(deps, actorOf(request), request.body))),
  )
  app.get(
    `${base}/:id`,
    {
      schema: {
        operationId: 'getWebhook',
        tags,
        summary: 'An endpoint',
        params: WebhookParams,
        response: { 200: WebhookSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => webhookBody(await getWebhook(deps, actorOf(request), request.params.id)),
  )
  app.patch(
    `${base}/:id`,
    {
      schema: {
        operationId: 'updateWebhook',
        tags,
        summary: 'Change an endpoint; enabling it clears disabledReason',
        params: WebhookParams,
        body: UpdateWebhookBody,
        response: { 200: WebhookSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) =>
      webhookBody(await updateWebhook(deps, actorOf(request), request.params.id, request.body)),
  )
  app.delete(
    `${base}/:id`,
    {
      schema: {
        operationId: 'deleteWebhook',
        tags,
        summary: 'Delete an endpoint and its deliveries',
        params: WebhookParams,
        response: { 204: NoContent, ...problems(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await deleteWebhook(deps, actorOf(request), request.params.id)
      return reply.code(204).send()
    },
  )
  app.post(
    `${base}/:id/rotate-secret`,
    {
      config: { carriesSecret: true },
      schema: {
        operationId: 'rotateWebhookSecret',
        tags,
        summary: 'A new secret, used from now on; in this answer only',
        params: WebhookParams,
        response: { 200: WebhookWithSecretSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => withSecret(await rotateWebhookSecret(deps, actorOf(request), request.params.id)),
  )
  app.post(
    `${base}/:id/test`,
    {
      schema: {
        operationId: 'testWebhook',
        tags,
        summary: 'Send a webhook.test event to this endpoint only',
        params: WebhookParams,
        response: { 202: Accepted, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await sendTestEvent(deps, actorOf(request), request.params.id)
      return reply.code(202).send()
    },
  )
  app.get(
    `${base}/:id/deliveries`,
    {
      schema: {
        operationId: 'listWebhookDeliveries',
        tags,
        summary: "The endpoint's deliveries, newest first",
        params: WebhookParams,
        querystring: DeliveriesQuery,
        response: { 200: listOf(DeliverySchema), ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const result = await listDeliveries(deps, actorOf(request), request.params.id, {
        ...page(request.query),
        status: request.query.status,
      })
      return { items: result.items.map(deliveryBody), nextCursor: result.nextCursor }
    },
  )
  app.post(
    `${base}/:id/deliveries/:deliveryId/retry`,
    {
      schema: {
        operationId: 'retryWebhookDelivery',
        tags,
        summary: 'One more attempt of the delivery now (same webhook-id)',
        params: DeliveryParams,
        response: { 202: Accepted, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await retryDelivery(deps, actorOf(request), request.params.id, request.params.deliveryId)
      return reply.code(202).send()
    },
  )

  const developer = '/v1/organizations/:org/developer'
  app.get(
    developer,
    {
      schema: {
        operationId: 'getDeveloper',
        tags: ['developer'],
        summary: "The organization's developer identity in the provider portal",
        params: OrganizationParams,
        response: { 200: DeveloperSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => developerBody(await getDeveloper(deps, actorOf(request))),
  )
  app.post(
    `${developer}/sync`,
    {
      schema: {
        operationId: 'syncDeveloper',
        tags: ['developer'],
        summary: 'Try provisioning the developer identity again now',
        params: OrganizationParams,
        response: { 202: Accepted, ...problems(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await syncDeveloper(deps, actorOf(request))
      return reply.code(202).send()
    },
  )
}
