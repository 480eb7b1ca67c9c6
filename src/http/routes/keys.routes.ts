// API key routes (API.md "Credentials") and the gateway's key verification.
import {
  createApiKey,
  listApiKeys,
  revokeApiKey,
  rotateApiKey,
} from '../../services/credentials/api-keys.service.ts'
import type { KeyVerifier } from '../../services/credentials/key-verifier.ts'
import type { ServiceDependencies } from '../../services/dependencies.ts'
import type { App } from '../app-instance.ts'
import { actorOf } from '../auth.ts'
import { requireBearerToken } from '../bearer-tokens.ts'
import { verificationBody } from '../gateway.ts'
import { NoContent, problems } from './common.schemas.ts'
import { listOf } from './organizations.schemas.ts'
import {
  CreateKeyBody,
  IdParams,
  KeyParams,
  KeySchema,
  KeyWithSecretSchema,
  keyBody,
  RotateKeyBody,
  VerificationSchema,
  VerifyKeyBody,
} from './portal.schemas.ts'

/** Refuses a caller without one of the configured gateway tokens. */
const gatewayCheck = (gatewayTokens: string[]) =>
  requireBearerToken(gatewayTokens, {
    whenNone: 'key verification is off: no GATEWAY_TOKEN is configured',
    whenWrong: 'present a gateway token: Authorization: Bearer <GATEWAY_TOKEN>',
  })

export function registerKeyRoutes(
  app: App,
  deps: ServiceDependencies,
  keyVerifier: KeyVerifier,
  gatewayTokens: string[],
) {
  const base = '/v1/organizations/:org/applications/:id/keys'
  const tags = ['keys']

  app.get(
    base,
    {
      schema: {
        operationId: 'listKeys',
        tags,
        summary: "An application's keys (never their secrets)",
        params: IdParams,
        response: { 200: listOf(KeySchema), ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => ({
      items: (await listApiKeys(deps, actorOf(request), request.params.id)).map(keyBody),
      nextCursor: null,
    }),
  )

  app.post(
    base,
    {
      config: { carriesSecret: true },
      schema: {
        operationId: 'createKey',
        tags,
        summary: 'Create a key for an environment; the secret is in this answer only',
        params: IdParams,
        body: CreateKeyBody,
        response: { 201: KeyWithSecretSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const { key, secret } = await createApiKey(deps, actorOf(request), request.params.id, request.body)
      return reply.code(201).send({ ...keyBody(key), secret })
    },
  )

  app.post(
    `${base}/:keyId/rotate`,
    {
      config: { carriesSecret: true },
      // The body is optional: none means no grace period.
      preValidation: async (request) => {
        request.body ??= {}
      },
      schema: {
        operationId: 'rotateKey',
        tags,
        summary:
          'A new secret; the old one keeps working for gracePeriodSeconds (default 0). A revoked or expired key: 409',
        params: KeyParams,
        body: RotateKeyBody,
        response: { 201: KeyWithSecretSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const { key, secret } = await rotateApiKey(
        deps,
        actorOf(request),
        request.params.id,
        request.params.keyId,
        request.body ?? {},
      )
      return reply.code(201).send({ ...keyBody(key), secret })
    },
  )

  app.delete(
    `${base}/:keyId`,
    {
      schema: {
        operationId: 'revokeKey',
        tags,
        summary: 'Revoke a key, at once, on every instance',
        params: KeyParams,
        response: { 204: NoContent, ...problems(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await revokeApiKey(deps, actorOf(request), request.params.id, request.params.keyId)
      return reply.code(204).send()
    },
  )

  app.post(
    '/v1/keys/verify',
    {
      config: { public: true },
      preHandler: gatewayCheck(gatewayTokens),
      schema: {
        operationId: 'verifyKey',
        tags: ['gateway'],
        summary:
          'Is this API key valid (for this API)? For gateways, with Authorization: Bearer <GATEWAY_TOKEN>',
        security: [{ gateway: [] }],
        body: VerifyKeyBody,
        response: { 200: VerificationSchema, ...problems(400, 401) },
      },
    },
    (request) => {
      const access = keyVerifier.verify(request.body.key, {
        apiId: request.body.apiId,
        environment: request.body.environment,
      })
      return access instanceof Promise ? access.then(verificationBody) : verificationBody(access)
    },
  )
}
