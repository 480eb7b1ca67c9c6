// The OpenAPI document's frame (info, servers, tags, security schemes) and the error answers every
// route of a kind can give because of what runs before its handler: a JSON body can be refused
// (400, 413, 415) by the body parser, a session by the authentication hook (401), a cookie write by
// the CSRF check (403). Routes declare their own errors; these are added here so none is forgotten.
// Error answers are one shared problem+json schema (`#/components/schemas/Problem`).
import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger'
import { ProblemSchema } from './routes/common.schemas.ts'

const tags = [
  { name: 'identity', description: 'Sign-up, sign-in, sessions, email verification and password reset' },
  { name: 'organizations', description: 'Organizations: create, read, rename, logo, delete' },
  { name: 'members', description: 'Members and their roles, removal and its impact, permission checks' },
  { name: 'invitations', description: 'Invitations by email: send, list, resend, revoke, accept, decline' },
  { name: 'apis', description: 'APIs an organization publishes, and their plans' },
  { name: 'environments', description: 'Environments keys are issued for (development, production…)' },
  { name: 'applications', description: 'Applications, their subscriptions to APIs and their usage' },
  { name: 'keys', description: 'API keys of an application: create, rotate, revoke (the secret shown once)' },
  { name: 'audit', description: 'The tamper-evident audit log: read, export, verify the hash chain' },
  { name: 'webhooks', description: 'Webhook endpoints and their deliveries (Standard Webhooks signatures)' },
  { name: 'developer', description: "The organization's developer identity in the provider portal" },
  { name: 'gateway', description: 'What gateways ask: is this key allowed to make this request?' },
  { name: 'operations', description: 'Liveness, readiness and metrics' },
]

const PROBLEM_REF = { $ref: '#/components/schemas/Problem' }
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

type Responses = Record<string, unknown>

function withProblems(responses: Responses, statuses: number[]): Responses {
  const all = { ...responses }
  for (const status of statuses) all[status] ??= ProblemSchema
  return all
}

/** Problem answers, inline in each route's schema, become references to the one Problem schema. */
function referToProblem(document: { paths?: Record<string, Record<string, { responses?: Responses }>> }) {
  for (const operations of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(operations)) {
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        if (Number(status) < 400) continue
        const { description } = response as { description?: string }
        operation.responses = {
          ...operation.responses,
          [status]: { description, content: { 'application/problem+json': { schema: PROBLEM_REF } } },
        }
      }
    }
  }
  return document
}

export function openApiOptions(): FastifyDynamicSwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Portico',
        version: '1',
        description:
          'Organizations, members, roles and invitations for API platforms and developer portals. Errors are RFC 9457 problem documents with a stable `code`.',
        // No license has been chosen for Portico yet: npm's word for that (the link says what it
        // means: no one else may use it) until one is; then an SPDX `identifier` replaces both.
        license: {
          name: 'UNLICENSED',
          url: 'https://docs.npmjs.com/cli/v11/configuring-npm/package-json#license',
        },
      },
      // Relative: the Portico that serves this document, by whatever address it was reached.
      servers: [{ url: '/', description: 'the Portico serving this document' }],
      tags,
      components: {
        schemas: { Problem: ProblemSchema as unknown as Record<string, unknown> },
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'a session token from sign-up or sign-in' },
          cookie: { type: 'apiKey', in: 'cookie', name: 'portico_session' },
          gateway: { type: 'http', scheme: 'bearer', description: 'a GATEWAY_TOKEN' },
          gatewayHeader: {
            type: 'apiKey',
            in: 'header',
            name: 'X-Gateway-Token',
            description: 'a GATEWAY_TOKEN',
          },
        },
      },
      security: [{ bearer: [] }, { cookie: [] }],
    },
    transform: ({ schema, url, route }) => {
      if (!schema || schema.hide) return { schema, url }
      const methods = [route.method].flat()
      const isPublic = route.config?.public === true || !url.startsWith('/v1/')
      const statuses: number[] = []
      if (schema.body) statuses.push(400, 413, 415)
      if (!isPublic) statuses.push(401)
      if (!isPublic && methods.some((method) => !SAFE_METHODS.has(method))) statuses.push(403)
      return {
        schema: {
          ...schema,
          response: withProblems((schema.response ?? {}) as Responses, statuses),
          ...(isPublic && !schema.security ? { security: [] } : {}),
        },
        url,
      }
    },
    transformObject: (documents) =>
      'openapiObject' in documents
        ? referToProblem(documents.openapiObject as never)
        : documents.swaggerObject,
  }
}
