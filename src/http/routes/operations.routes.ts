// Operations: liveness, readiness, metrics and the OpenAPI document.
import { Type } from 'typebox'
import { DomainError } from '../../domain/errors.ts'
import type { Database } from '../../store/database.ts'
import type { App } from '../app-instance.ts'
import { requireBearerToken } from '../bearer-tokens.ts'
import type { HttpMetrics } from '../metrics.ts'
import { problems } from './common.schemas.ts'

const tags = ['operations']
const Status = Type.Object({ status: Type.String() })

export function registerOperationsRoutes(
  app: App,
  database: Database,
  metrics: HttpMetrics,
  metricsToken: string | undefined,
) {
  app.get(
    '/healthz',
    { schema: { operationId: 'getHealth', tags, summary: 'The process is up', response: { 200: Status } } },
    async () => ({ status: 'ok' }),
  )

  app.get(
    '/readyz',
    {
      schema: {
        operationId: 'getReadiness',
        tags,
        summary: 'The database answers',
        response: { 200: Status, ...problems(503) },
      },
    },
    async () => {
      try {
        await database.ping()
      } catch {
        throw new DomainError('service_unavailable', 'the database does not answer')
      }
      return { status: 'ready' }
    },
  )

  app.get(
    '/metrics',
    {
      // With METRICS_TOKEN set, only a scraper presenting it reads them; unset, /metrics is open.
      preHandler: metricsToken
        ? requireBearerToken([metricsToken], {
            whenNone: 'metrics need a token',
            whenWrong: 'present the metrics token: Authorization: Bearer <METRICS_TOKEN>',
          })
        : undefined,
      schema: {
        operationId: 'getMetrics',
        tags,
        summary: 'Prometheus metrics (with METRICS_TOKEN set: Authorization: Bearer <METRICS_TOKEN>)',
        produces: ['text/plain'],
        response: { 200: Type.String(), ...problems(401) },
      },
    },
    async (_, reply) => {
      reply.type(metrics.registry.contentType)
      return metrics.registry.metrics()
    },
  )

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
}
