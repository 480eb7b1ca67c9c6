// Operations: liveness, readiness, metrics and the OpenAPI document.
import { Type } from 'typebox'
import { DomainError } from '../../domain/errors.ts'
import type { Database } from '../../store/database.ts'
import type { App } from '../app-instance.ts'
import type { HttpMetrics } from '../metrics.ts'
import { problems } from './common.schemas.ts'

const tags = ['operations']
const Status = Type.Object({ status: Type.String() })

export function registerOperationsRoutes(app: App, database: Database, metrics: HttpMetrics) {
  app.get(
    '/healthz',
    { schema: { tags, summary: 'The process is up', response: { 200: Status } } },
    async () => ({ status: 'ok' }),
  )

  app.get(
    '/readyz',
    { schema: { tags, summary: 'The database answers', response: { 200: Status, ...problems(503) } } },
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
    { schema: { tags, summary: 'Prometheus metrics', produces: ['text/plain'] } },
    async (_, reply) => {
      reply.type(metrics.registry.contentType)
      return metrics.registry.metrics()
    },
  )

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
}
