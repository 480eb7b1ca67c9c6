// The gateway's check of each request (GET /v1/gateway/authorize), an API's plans and an
// application's usage (API.md "Gateways", "Plans, rate limits and usage"). Real gateways' traffic to
// authorize is served before Fastify on gateways' connections (../gateway-connections.ts); this route
// gives the same answers to inject and other connections, and documents the call in OpenAPI.
import type { FastifyReply } from 'fastify'
import type { KeyVerifier } from '../../services/credentials/key-verifier.ts'
import type { ServiceDependencies } from '../../services/dependencies.ts'
import { getUsage } from '../../services/gateway/usage.service.ts'
import { listPlans, updatePlans } from '../../services/portal/plans.service.ts'
import type { App } from '../app-instance.ts'
import { actorOf } from '../auth.ts'
import { authorize, type GatewayAnswer, type GatewayTokens } from '../gateway.ts'
import { problems } from './common.schemas.ts'
import {
  AuthorizationSchema,
  GatewayHeaders,
  PlansBody,
  PlansSchema,
  planBody,
  UsageQuery,
  UsageSchema,
  usageBody,
} from './gateway.schemas.ts'
import { IdParams } from './portal.schemas.ts'

export function registerGatewayRoutes(
  app: App,
  deps: ServiceDependencies,
  keyVerifier: KeyVerifier,
  gatewayTokens: GatewayTokens,
) {
  const base = '/v1/organizations/:org'

  app.get(
    '/v1/gateway/authorize',
    {
      config: { public: true },
      schema: {
        operationId: 'authorizeGatewayRequest',
        tags: ['gateway'],
        summary:
          'May this request through? For nginx auth_request, Caddy forward_auth, Traefik forwardAuth (headers only)',
        security: [{ gatewayHeader: [] }],
        headers: GatewayHeaders,
        response: { 200: AuthorizationSchema, ...problems(401, 403, 429) },
      },
    },
    (request, reply) => {
      // The answer is whole (status, headers, serialized body): the same bytes the lean path writes.
      const raw = reply as unknown as FastifyReply
      const send = (answer: GatewayAnswer): void => {
        raw.code(answer.status).headers(answer.headers)
        // An allowed request's answer has no body (not even a Content-Type).
        if (answer.body === '') raw.send()
        else raw.serializer(String).send(answer.body)
      }
      const answer = authorize(keyVerifier, gatewayTokens, request.headers)
      if (answer instanceof Promise) return answer.then(send)
      send(answer)
    },
  )

  app.get(
    `${base}/apis/:id/plans`,
    {
      schema: {
        operationId: 'listPlans',
        tags: ['apis'],
        summary: "An API's plans and their limits",
        params: IdParams,
        response: { 200: PlansSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => ({
      items: (await listPlans(deps, actorOf(request), request.params.id)).map(planBody),
    }),
  )

  app.put(
    `${base}/apis/:id/plans`,
    {
      schema: {
        operationId: 'replacePlans',
        tags: ['apis'],
        summary: "Replace an API's plans (default is kept when left out; a plan in use cannot go)",
        params: IdParams,
        body: PlansBody,
        response: { 200: PlansSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const given = request.body.items.map((plan) => ({
        name: plan.name,
        title: plan.title,
        requestsPerMinute: plan.requestsPerMinute ?? null,
        requestsPerDay: plan.requestsPerDay ?? null,
      }))
      return { items: (await updatePlans(deps, actorOf(request), request.params.id, given)).map(planBody) }
    },
  )

  app.get(
    `${base}/applications/:id/usage`,
    {
      schema: {
        operationId: 'getApplicationUsage',
        tags: ['applications'],
        summary: "An application's calls by hour or day, API, key and outcome",
        params: IdParams,
        querystring: UsageQuery,
        response: { 200: UsageSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => ({
      items: (await getUsage(deps, actorOf(request), request.params.id, request.query)).map(usageBody),
    }),
  )
}
