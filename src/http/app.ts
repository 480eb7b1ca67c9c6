// buildApp wires everything explicitly: validation, errors, logging, authentication, metrics,
// OpenAPI and every route. It opens nothing itself: the database and the services are handed in.
import { createServer } from 'node:http'
import fastifyCookie from '@fastify/cookie'
import fastifySwagger from '@fastify/swagger'
import fastifySwaggerUi from '@fastify/swagger-ui'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Ajv, type ValidateFunction } from 'ajv'
import addFormats from 'ajv-formats'
import Fastify, { type FastifyBaseLogger } from 'fastify'
import type { Logger } from 'pino'
import type { Config } from '../config.ts'
import { unstorableTextPaths } from '../domain/text.ts'
import type { Clock } from '../services/clock.ts'
import type { KeyVerifier } from '../services/credentials/key-verifier.ts'
import type { ServiceDependencies } from '../services/dependencies.ts'
import type { SessionCache } from '../services/identity/session-cache.ts'
import { RateLimiter } from '../services/rate-limiter.ts'
import type { Database } from '../store/database.ts'
import type { App } from './app-instance.ts'
import { authenticationHook } from './auth.ts'
import { registerErrorHandling } from './error-handler.ts'
import { GatewayTokens, LeanGateway } from './gateway.ts'
import { serveGatewayConnections } from './gateway-connections.ts'
import { DeferredChildLogger, requestIdOf } from './logging.ts'
import { createMetrics } from './metrics.ts'
import { openApiOptions } from './openapi.ts'
import { registerAuditEventRoutes } from './routes/audit-events.routes.ts'
import { registerConsoleRoutes } from './routes/console.routes.ts'
import { registerGatewayRoutes } from './routes/gateway.routes.ts'
import { registerIdentityRoutes } from './routes/identity.routes.ts'
import { registerInvitationRoutes } from './routes/invitations.routes.ts'
import { registerKeyRoutes } from './routes/keys.routes.ts'
import { registerMemberRoutes } from './routes/members.routes.ts'
import { registerOperationsRoutes } from './routes/operations.routes.ts'
import { registerOrganizationRoutes } from './routes/organizations.routes.ts'
import { registerPortalRoutes } from './routes/portal.routes.ts'
import { VerifyKeyBody } from './routes/portal.schemas.ts'
import { registerWebhookRoutes } from './routes/webhooks.routes.ts'
import { HSTS, securityHeaders } from './security-headers.ts'

export interface AppDependencies {
  config: Config
  database: Database
  clock: Clock
  /** Built by createServices (services/services.ts). */
  services: ServiceDependencies
  keyVerifier: KeyVerifier
  sessionCache: SessionCache
  logger: Logger
}

export const BODY_LIMIT_BYTES = 1024 * 1024

function ajvFor(coerceTypes: boolean | 'array') {
  // Bodies are checked as sent: no type coercion, no silent removal of unknown fields.
  const ajv = new Ajv({
    coerceTypes,
    removeAdditional: false,
    useDefaults: true,
    allErrors: true,
    strict: false,
  })
  addFormats.default(ajv)
  return ajv
}

/**
 * A request part's validator that first refuses text no column could hold (NUL, unpaired
 * surrogates; domain/text.ts) as a validation error naming each field, then applies the schema.
 */
function refusingUnstorableText(validate: ValidateFunction): ValidateFunction {
  const check = ((data: unknown, context?: Parameters<ValidateFunction>[1]) => {
    const paths = unstorableTextPaths(data)
    if (paths.length > 0) {
      check.errors = paths.map((instancePath) => ({
        instancePath,
        schemaPath: '#',
        keyword: 'text',
        params: {},
        message: 'must not contain NUL or unpaired surrogates',
      }))
      return false
    }
    const valid = validate(data, context)
    check.errors = validate.errors
    return valid
  }) as ValidateFunction
  // Fastify passes the parent object (so Ajv may coerce a root value) only when it sees schemaEnv.
  Object.assign(check, { schemaEnv: validate.schemaEnv, schema: validate.schema })
  return check
}

export async function buildApp(deps: AppDependencies): Promise<App> {
  const { config, database, clock } = deps
  const gatewayTokens = new GatewayTokens(config.gatewayTokens)
  // Made before the app: the lean gateway path counts its answers in the same metrics.
  const metrics = createMetrics(() => database.poolUse(), deps.services.callGroups)
  const app = Fastify({
    // Gateways' connections are answered before node:http and Fastify (./gateway-connections.ts).
    serverFactory: (handler) => {
      const always: Record<string, string> = { 'X-Content-Type-Options': 'nosniff' }
      if (config.publicUrl.startsWith('https:')) always['Strict-Transport-Security'] = HSTS
      let validateVerifyBody: ((body: unknown) => { errors?: unknown[] } | undefined) | undefined
      const server = createServer(handler)
      const gateway = new LeanGateway({
        verifier: deps.keyVerifier,
        tokens: gatewayTokens,
        always,
        validateVerifyBody: () => {
          if (!validateVerifyBody) {
            const validate = ajvFor(false).compile(VerifyKeyBody)
            validateVerifyBody = (body) => (validate(body) ? undefined : { errors: validate.errors ?? [] })
          }
          return validateVerifyBody
        },
        logger: deps.logger,
        observe: metrics.observeRoute,
      })
      serveGatewayConnections(server, gateway)
      return server
    },
    loggerInstance: deps.logger as FastifyBaseLogger,
    childLoggerFactory: (logger, bindings, options) =>
      new DeferredChildLogger(logger as Logger, bindings, options) as unknown as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: (request) => requestIdOf(request.headers),
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true },
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>()

  const bodyAjv = ajvFor(false)
  const paramsAjv = ajvFor('array')
  app.setValidatorCompiler(({ schema, httpPart }) =>
    refusingUnstorableText((httpPart === 'body' ? bodyAjv : paramsAjv).compile(schema as object)),
  )

  // An empty body counts as no body (clients often send Content-Type: application/json without one).
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8')
    if (text.trim() === '') return done(null, undefined)
    return parseJson(request, text, done)
  })

  registerErrorHandling(app)
  await app.register(fastifyCookie)

  const { services } = deps

  app.decorateRequest('actor', null)
  app.addHook('onRequest', authenticationHook(services))

  // Once shutdown begins, answers close their connection: an idle keep-alive socket would
  // otherwise hold the server open until its timeout.
  let closing = false
  app.addHook('preClose', (done) => {
    closing = true
    done()
  })
  // Per-request hooks are callback style: an async hook costs a promise on every request.
  const setSecurityHeaders = securityHeaders(config.publicUrl)
  app.addHook('onSend', (request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close')
    setSecurityHeaders(request, reply)
    done(null, payload)
  })

  app.addHook('onResponse', (request, reply, done) => {
    metrics.observe(request, reply)
    done()
  })

  await app.register(fastifySwagger, openApiOptions())
  await app.register(fastifySwaggerUi, {
    routePrefix: '/docs',
    // The reference page may not be framed, like the console (clickjacking).
    uiHooks: {
      onRequest: (_request, reply, done) => {
        reply.header('x-frame-options', 'DENY').header('content-security-policy', "frame-ancestors 'none'")
        done()
      },
    },
  })

  const clientLimits = config.rateLimit
    ? {
        signInPerClient: new RateLimiter({ limit: 100, windowMs: 60_000, clock }),
        signUpPerClient: new RateLimiter({ limit: 20, windowMs: 10 * 60_000, clock }),
        passwordResetPerClient: new RateLimiter({ limit: 30, windowMs: 60_000, clock }),
      }
    : undefined
  registerIdentityRoutes(app, services, clientLimits)
  registerOrganizationRoutes(app, services)
  registerMemberRoutes(app, services)
  registerInvitationRoutes(
    app,
    services,
    config.rateLimit ? new RateLimiter({ limit: 60, windowMs: 60_000, clock }) : undefined,
  )
  registerPortalRoutes(app, services)
  registerAuditEventRoutes(app, services)
  registerWebhookRoutes(app, services)
  registerKeyRoutes(app, services, deps.keyVerifier, config.gatewayTokens)
  registerGatewayRoutes(app, services, deps.keyVerifier, gatewayTokens)
  registerOperationsRoutes(app, database, metrics, config.metricsToken)
  await registerConsoleRoutes(app)

  await app.ready()
  return app
}
